using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>A fake Vast on loopback plus a client and provisioner wired to it on a fake clock, with realistic pacing.</summary>
internal sealed class FakeVastHarness : IAsyncDisposable
{
    private FakeVastHarness(FakeVast fake, FakeTimeProvider time, VastOptions options)
    {
        Fake = fake;
        Time = time;
        Options = options;
        Client = VastTestKit.Client(options, time, Sink);
        Provisioner = new VastInstanceProvisioner(Client, time, Sink.CreateLogger());
    }

    public FakeVast Fake { get; }
    public FakeTimeProvider Time { get; }
    public ListSink Sink { get; } = new();
    public VastOptions Options { get; }
    public VastClient Client { get; }
    public VastInstanceProvisioner Provisioner { get; }

    /// <summary>Starts the fake; a short <paramref name="requestTimeout"/> (fake time) is only for tests of hanging answers.</summary>
    public static async Task<FakeVastHarness> StartAsync(TimeSpan? requestTimeout = null, int maxRetries = 6, TimeSpan? createTimeout = null)
    {
        var time = VastTestKit.NewClock();
        var fake = await FakeVast.StartAsync(new FakeVastOptions { ApiKey = VastTestKit.Key, Time = time }, TestContext.Current.CancellationToken);
        var options = VastTestKit.Options(fake.BaseUrl, new VastPacingOptions()) with
        {
            RequestTimeout = requestTimeout ?? TimeSpan.FromMinutes(10),
            CreateTimeout = createTimeout ?? requestTimeout ?? TimeSpan.FromMinutes(10),
            Backoff = new VastBackoffOptions { MaxRetries = maxRetries },
        };
        return new FakeVastHarness(fake, time, options);
    }

    public static ProvisionRequest Request(string label = "quantlab-ml:btcusdt-20260313-abc123") => new()
    {
        Query = OfferQuery.FromOptions(new VastOptions()),
        Instance = VastTestKit.Request(label),
    };

    public Task<ProvisionedInstance> ProvisionAsync(ProvisionRequest? request = null, CancellationToken? ct = null) =>
        Time.DriveAsync(Provisioner.ProvisionAsync(request ?? Request(), ct ?? TestContext.Current.CancellationToken));

    /// <summary>Destroys everything still live, as a caller must; returns what was destroyed.</summary>
    public async Task<int> DestroyAllAsync()
    {
        var live = Fake.LiveInstances;
        foreach (var instance in live)
        {
            await Time.DriveAsync(Client.DestroyInstanceAsync(instance.Id, TestContext.Current.CancellationToken));
        }

        return live.Count;
    }

    public IReadOnlyList<FakeVastCall> CallsTo(FakeVastRoute route) => Fake.Calls.Where(c => c.Route == route).ToList();

    public ValueTask DisposeAsync() => Fake.DisposeAsync();
}
