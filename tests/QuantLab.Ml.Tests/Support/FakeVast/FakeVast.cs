using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>
/// A stateful Vast.ai on 127.0.0.1 that behaves as docs/vast-api.md describes, traps included: offers rentable once,
/// instances that boot on a poll-count schedule and point SSH at a loopback sshd, every failure of §8 on demand,
/// and a record of every call so a test can prove that every created instance was destroyed.
/// </summary>
public sealed partial class FakeVast : IAsyncDisposable
{
    private const int MaxPage = 25;

    private readonly object gate = new();
    private readonly FakeVastOptions options;
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<long, OfferState> offers = [];
    private readonly SortedDictionary<long, InstanceState> instances = [];
    private readonly List<FakeVastCall> calls = [];
    private readonly Dictionary<FakeVastRoute, Queue<Func<HttpContext, Task>>> injected = [];
    private readonly Dictionary<long, Queue<FakeCreateFailure>> createFailures = [];
    private readonly Queue<FakeBrokenList> brokenLists = new();
    private readonly Dictionary<FakeVastRoute, DateTimeOffset> lastCall = [];
    private long nextOfferId = 41_000;
    private long nextInstanceId = 7_300_000;
    private int nextSequence;

    private FakeVast(FakeVastOptions options, WebApplication app)
    {
        this.options = options;
        this.app = app;
    }

    /// <summary>Starts the fake on 127.0.0.1 (a free port unless <see cref="FakeVastOptions.Port"/> is set).</summary>
    public static async Task<FakeVast> StartAsync(FakeVastOptions? options = null, CancellationToken ct = default)
    {
        options ??= new FakeVastOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var fake = new FakeVast(options, app);
        app.Run(fake.HandleAsync);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = address.TrimEnd('/');
        return fake;
    }

    /// <summary>Runs a fake by hand until <paramref name="ct"/> is cancelled, with a few RTX 4090 offers, printing its URL and key.</summary>
    public static async Task RunStandaloneAsync(int port, CancellationToken ct)
    {
        await using var fake = await StartAsync(new FakeVastOptions { Port = port }, ct);
        fake.AddOffer();
        fake.AddOffer(new FakeOffer { DphBase = 0.29, Reliability2 = 0.97, Geolocation = "Oslo, NO" });
        fake.AddOffer(new FakeOffer { DphBase = 0.52, Reliability2 = 0.999, HostingType = 1, Geolocation = "Frankfurt, DE" });
        await Console.Out.WriteLineAsync($"fake Vast at {fake.BaseUrl}  (VAST_API_URL={fake.BaseUrl} VAST_API_KEY={fake.ApiKey})");
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public string ApiKey => options.ApiKey;

    /// <summary>Where running instances say SSH is (direct 22/tcp mapping and proxy alike); point it at the test sshd.</summary>
    public (string Host, int Port) SshEndpoint { get; set; } = ("127.0.0.1", 22);

    public FakeSshMode SshMode { get; set; } = FakeSshMode.Direct;

    /// <summary>A per-instance SSH endpoint (e.g. a relay a test can cut to lose that one machine); null = <see cref="SshEndpoint"/>.</summary>
    public Func<long, (string Host, int Port)?>? SshEndpointFor { get; set; }

    /// <summary>When set, an attached SSH key is appended here (the loopback sshd's authorized_keys), as Vast installs it on the box.</summary>
    public string? AuthorizedKeysFile { get; set; }

    /// <summary>Page size of the v1 list (Vast caps it at 25); set it low to exercise paging.</summary>
    public int PageSize { get; set; } = MaxPage;

    /// <summary>Schedule for instances of offers that have none.</summary>
    public FakeInstanceSchedule DefaultSchedule { get; set; } = FakeInstanceSchedule.Boot();

    /// <summary>Answer every call with 404 auth_error, as Vast does for a bad key.</summary>
    public bool RejectAllKeys { get; set; }

    /// <summary>
    /// Whether an instance's own key (create's instance_api_key, CONTAINER_API_KEY on the box) may destroy that instance.
    /// Vast does not document it, so both answers are tested: false answers 403 to its DELETE.
    /// </summary>
    public bool InstanceKeysMayDestroy { get; set; } = true;

    /// <summary>Refuse SSH keys for instances that are not running yet (400), as the real API may while an instance loads.</summary>
    public bool RefuseKeysUntilRunning { get; set; } = true;

    /// <summary>The next this-many key attaches are refused (400) even for a running instance, as while it settles.</summary>
    public int RefuseNextKeys { get; set; }

    /// <summary>How long a create takes (on the fake's clock); the instance appears only when the answer goes out.</summary>
    public TimeSpan CreateDelay { get; set; }

    /// <summary>Minimum interval per endpoint (on the fake's clock); a call sooner than that after the last one gets a 429.</summary>
    public Dictionary<FakeVastRoute, TimeSpan> Pacing { get; } = [];

    /// <summary>The key Vast gives one instance (create's instance_api_key; CONTAINER_API_KEY inside it): valid for that instance only.</summary>
    public static string InstanceKey(long instanceId) => $"fake-instance-key-{instanceId}";

    /// <summary>Echo the Authorization header into error messages, to prove the client masks its key.</summary>
    public bool EchoAuthorizationInErrors { get; set; }

    public IReadOnlyList<FakeVastCall> Calls
    {
        get
        {
            lock (gate)
            {
                return [.. calls];
            }
        }
    }

    /// <summary>Calls to paths the fake does not know (wrong path, missing trailing slash...).</summary>
    public IReadOnlyList<FakeVastCall> UnknownCalls => Calls.Where(c => c.Route is null).ToList();

    /// <summary>Instances that exist and bill: every test that creates some should end with this empty.</summary>
    public IReadOnlyList<FakeVastInstance> LiveInstances
    {
        get
        {
            lock (gate)
            {
                return instances.Values.Where(i => !i.Destroyed).Select(i => i.Snapshot()).ToList();
            }
        }
    }

    /// <summary>Every instance ever made by a create (successful or not), in order.</summary>
    public IReadOnlyList<long> CreatedInstanceIds
    {
        get
        {
            lock (gate)
            {
                return instances.Values.Where(i => i.OfferId is not null).Select(i => i.Id).ToList();
            }
        }
    }

    public IReadOnlyList<long> DestroyedInstanceIds
    {
        get
        {
            lock (gate)
            {
                return instances.Values.Where(i => i.Destroyed).Select(i => i.Id).ToList();
            }
        }
    }

    public FakeVastInstance? Instance(long id)
    {
        lock (gate)
        {
            return instances.TryGetValue(id, out var i) ? i.Snapshot() : null;
        }
    }

    /// <summary>Adds a rentable offer and returns its id (the ask id a create takes).</summary>
    public long AddOffer(FakeOffer? offer = null)
    {
        lock (gate)
        {
            var id = nextOfferId++;
            offers[id] = new OfferState(id, offer ?? new FakeOffer());
            return id;
        }
    }

    /// <summary>Puts an instance in the account directly (a leftover from an earlier run); returns its id.</summary>
    public long AddInstance(string? label, string? status = "running", double ageHours = 1, double dphTotal = 0.4)
    {
        lock (gate)
        {
            var id = nextInstanceId++;
            var start = options.Time.GetUtcNow().AddHours(-ageHours);
            instances[id] = new InstanceState(id, null, new FakeOffer { DphBase = dphTotal, StorageCost = 0 }, start)
            {
                Label = label,
                Schedule = new FakeInstanceSchedule { Steps = [new() { Status = status, Polls = int.MaxValue }] },
                DiskGb = 10,
            };
            return id;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }
}
