using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> get a 429 in the given style.</summary>
    public void RateLimit(FakeVastRoute route, int times = 1, FakeRateLimitStyle style = FakeRateLimitStyle.Text)
    {
        var threshold = route == FakeVastRoute.CreateInstance ? "4.5" : "2.0";
        Inject(route, times, ctx => style switch
        {
            FakeRateLimitStyle.Text => WriteText(ctx, 429, $"API requests too frequent: endpoint threshold={threshold}"),
            FakeRateLimitStyle.JsonDetail => WriteJson(ctx, 429, new JsonObject { ["detail"] = $"API requests too frequent endpoint threshold={threshold}" }),
            _ => WriteJson(ctx, 429, Error("rate_limit_exceeded", $"API requests too frequent: endpoint threshold={threshold}")),
        });
    }

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> get <paramref name="status"/> with an HTML body, like a gateway error.</summary>
    public void FailNext(FakeVastRoute route, int status = 503, int times = 1) =>
        Inject(route, times, ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "text/html";
            return ctx.Response.WriteAsync($"<html><body><h1>{status}</h1>upstream trouble</body></html>", stopping.Token);
        });

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> never answer (until the client gives up or the fake stops).</summary>
    public void HangNext(FakeVastRoute route, int times = 1) => Inject(route, times, HangAsync);

    /// <summary>Forgets every injected answer still queued, ignored destroys included (e.g. so the next reap can clean up after a test of a failing destroy).</summary>
    public void ClearFaults()
    {
        lock (gate)
        {
            injected.Clear();
            brokenLists.Clear();
            foreach (var i in instances.Values)
            {
                i.IgnoredDestroys = 0;
            }
        }
    }

    /// <summary>How a GET of a destroyed (or unknown) instance answers; the real API has been seen answering each of these.</summary>
    public FakeGoneAnswer GoneAnswer { get; set; } = FakeGoneAnswer.Null;

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> have their connection dropped without an answer.</summary>
    public void DropConnection(FakeVastRoute route, int times = 1) =>
        Inject(route, times, ctx =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        });

    /// <summary>The next create on <paramref name="offerId"/> fails as described (once).</summary>
    public void FailCreate(long offerId, FakeCreateFailure failure)
    {
        lock (gate)
        {
            if (!createFailures.TryGetValue(offerId, out var queue))
            {
                createFailures[offerId] = queue = new Queue<FakeCreateFailure>();
            }

            queue.Enqueue(failure);
        }
    }

    /// <summary>The next v1 list call(s) break in the given way.</summary>
    public void BreakList(FakeBrokenList how, int times = 1)
    {
        lock (gate)
        {
            for (var i = 0; i < times; i++)
            {
                brokenLists.Enqueue(how);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> destroys of this instance answer success but leave it running and billing, so a
    /// caller that trusts the answer without reading the instance again is caught.
    /// </summary>
    public void IgnoreDestroy(long instanceId, int times = 1)
    {
        lock (gate)
        {
            instances[instanceId].IgnoredDestroys += times;
        }
    }

    /// <summary>Sets an instance's schedule (e.g. to make a running one go offline).</summary>
    public void SetSchedule(long instanceId, FakeInstanceSchedule schedule)
    {
        lock (gate)
        {
            var i = instances[instanceId];
            i.Schedule = schedule;
            i.Polls = 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private void Inject(FakeVastRoute route, int times, Func<HttpContext, Task> answer)
    {
        lock (gate)
        {
            if (!injected.TryGetValue(route, out var queue))
            {
                injected[route] = queue = new Queue<Func<HttpContext, Task>>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(answer);
            }
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        int sequence;
        lock (gate)
        {
            sequence = ++nextSequence;
        }

        var request = ctx.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        var path = request.Path.Value ?? string.Empty;
        var (route, id) = Classify(request.Method, path);
        var authorization = request.Headers.Authorization.ToString();
        try
        {
            await DispatchAsync(ctx, route, id, body, authorization);
        }
        catch (OperationCanceledException)
        {
            ctx.Abort();
        }
        finally
        {
            var call = new FakeVastCall
            {
                Sequence = sequence,
                Method = request.Method,
                Path = path,
                Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty,
                Body = body,
                Route = route,
                Authorization = string.IsNullOrEmpty(authorization) ? null : authorization,
                StatusCode = ctx.RequestAborted.IsCancellationRequested ? 499 : ctx.Response.StatusCode,
            };
            lock (gate)
            {
                calls.Add(call);
                calls.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            }
        }
    }

    private static (FakeVastRoute? Route, long Id) Classify(string method, string path)
    {
        if (path == "/api/v0/bundles/" && method == "POST")
        {
            return (FakeVastRoute.SearchOffers, 0);
        }

        if (path == "/api/v1/instances/" && method == "GET")
        {
            return (FakeVastRoute.ListInstancesV1, 0);
        }

        if (path == "/api/v0/instances/" && method == "GET")
        {
            return (FakeVastRoute.ListInstancesV0, 0);
        }

        if (path == "/api/v0/users/current/" && method == "GET")
        {
            return (FakeVastRoute.CurrentUser, 0);
        }

        var m = AskPath().Match(path);
        if (m.Success && method == "PUT")
        {
            return (FakeVastRoute.CreateInstance, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        m = InstanceSshPath().Match(path);
        if (m.Success && method == "POST")
        {
            return (FakeVastRoute.AttachSshKey, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        m = InstancePath().Match(path);
        if (m.Success)
        {
            var id = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return method switch
            {
                "GET" => (FakeVastRoute.GetInstance, id),
                "PUT" => (FakeVastRoute.UpdateInstance, id),
                "DELETE" => (FakeVastRoute.DestroyInstance, id),
                _ => (null, 0),
            };
        }

        return (null, 0);
    }

    [GeneratedRegex(@"^/api/v0/asks/(\d{1,15})/$")]
    private static partial Regex AskPath();

    [GeneratedRegex(@"^/api/v0/instances/(\d{1,15})/$")]
    private static partial Regex InstancePath();

    [GeneratedRegex(@"^/api/v0/instances/(\d{1,15})/ssh/$")]
    private static partial Regex InstanceSshPath();

    private async Task DispatchAsync(HttpContext ctx, FakeVastRoute? route, long id, string body, string authorization)
    {
        if (route is null)
        {
            await WriteJson(ctx, 404, Error("fake_unknown_endpoint", $"the fake Vast does not serve {ctx.Request.Method} {ctx.Request.Path}"));
            return;
        }

        var query = ctx.Request.Query;
        var bearerOk = authorization == "Bearer " + options.ApiKey || query["api_key"] == options.ApiKey;
        if (!bearerOk && authorization.StartsWith("Bearer fake-instance-key-", StringComparison.Ordinal))
        {
            // An instance's own key: only for that instance's own routes; its DELETE only when InstanceKeysMayDestroy.
            var ownInstance = authorization == "Bearer " + InstanceKey(id)
                && route is FakeVastRoute.GetInstance or FakeVastRoute.DestroyInstance or FakeVastRoute.UpdateInstance or FakeVastRoute.AttachSshKey;
            if (!ownInstance)
            {
                await WriteJson(ctx, 403, Error("forbidden", "this key may only act on its own instance"));
                return;
            }

            if (route == FakeVastRoute.DestroyInstance && !InstanceKeysMayDestroy)
            {
                await WriteJson(ctx, 403, Error("forbidden", "this key lacks the instance_write permission"));
                return;
            }

            bearerOk = true;
        }

        if (IsTooSoon(route.Value))
        {
            await WriteText(ctx, 429, "API requests too frequent: endpoint threshold=" + Pacing[route.Value].TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            return;
        }

        var anonymousOk = route == FakeVastRoute.SearchOffers && string.IsNullOrEmpty(authorization) && !query.ContainsKey("api_key");
        if (RejectAllKeys || !(bearerOk || anonymousOk))
        {
            var msg = EchoAuthorizationInErrors ? $"Invalid user key: {authorization}" : "Invalid user key";
            await WriteJson(ctx, 404, Error("auth_error", msg));
            return;
        }

        Func<HttpContext, Task>? answer = null;
        lock (gate)
        {
            if (injected.TryGetValue(route.Value, out var queue) && queue.Count > 0)
            {
                answer = queue.Dequeue();
            }
        }

        if (answer is not null)
        {
            await answer(ctx);
            return;
        }

        JsonObject? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
            }

            if (json is null)
            {
                await WriteJson(ctx, 400, Error("invalid_args", "request body is not a JSON object"));
                return;
            }
        }

        await (route.Value switch
        {
            FakeVastRoute.SearchOffers => SearchAsync(ctx, json),
            FakeVastRoute.CreateInstance => CreateAsync(ctx, id, json),
            FakeVastRoute.GetInstance => GetAsync(ctx, id),
            FakeVastRoute.ListInstancesV1 => ListAsync(ctx),
            FakeVastRoute.ListInstancesV0 => WriteJson(ctx, 410, Error("deprecated_endpoint", "/api/v0/instances/ is deprecated. Use /api/v1/instances/ instead.")),
            FakeVastRoute.DestroyInstance => DestroyAsync(ctx, id),
            FakeVastRoute.UpdateInstance => UpdateAsync(ctx, id, json),
            FakeVastRoute.AttachSshKey => AttachKeyAsync(ctx, id, json),
            FakeVastRoute.CurrentUser => WriteJson(ctx, 200, new JsonObject { ["id"] = 4242, ["email"] = "fake@example.invalid", ["credit"] = 25.5, ["ssh_key"] = null }),
            _ => WriteJson(ctx, 404, Error("fake_unknown_endpoint", "unknown")),
        });
    }

    /// <summary>True when <paramref name="route"/> is paced and was called less than its interval ago; the call counts as the last one otherwise.</summary>
    private bool IsTooSoon(FakeVastRoute route)
    {
        lock (gate)
        {
            if (!Pacing.TryGetValue(route, out var interval) || interval <= TimeSpan.Zero)
            {
                return false;
            }

            var now = options.Time.GetUtcNow();
            if (lastCall.TryGetValue(route, out var last) && now - last < interval)
            {
                return true;
            }

            lastCall[route] = now;
            return false;
        }
    }

    private static JsonObject Error(string error, string msg) => new() { ["success"] = false, ["error"] = error, ["msg"] = msg };

    private static Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }

    private static Task WriteText(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        return ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }

    private sealed class OfferState(long id, FakeOffer offer)
    {
        public long Id { get; } = id;
        public FakeOffer Offer { get; } = offer;
        public bool Rented { get; set; }
        public long MachineId => Offer.MachineId ?? 90_000 + Id;
    }

    private sealed class InstanceState(long id, long? offerId, FakeOffer offer, DateTimeOffset started)
    {
        public long Id { get; } = id;
        public long? OfferId { get; } = offerId;
        public FakeOffer Offer { get; } = offer;
        public DateTimeOffset Started { get; } = started;
        public required FakeInstanceSchedule Schedule { get; set; }
        public int Polls { get; set; }
        public string? Label { get; set; }
        public string? Image { get; set; }
        public double DiskGb { get; set; }
        public Dictionary<string, string> Env { get; } = [];
        public string? Onstart { get; set; }
        public string? Runtype { get; set; }
        public List<string> SshKeys { get; } = [];
        public bool Destroyed { get; set; }
        public bool Stopped { get; set; }
        public long MachineId { get; set; }

        /// <summary>How many more destroys answer success and leave it alive.</summary>
        public int IgnoredDestroys { get; set; }

        /// <summary>How many more v1 list calls leave this instance out.</summary>
        public int HiddenFromLists { get; set; }

        public FakeStep Current => Stopped
            ? new FakeStep { Status = "stopped", StatusMsg = "insufficient bid" }
            : Schedule.At(Math.Max(Polls, 1));

        public FakeVastInstance Snapshot() => new()
        {
            Id = Id,
            OfferId = OfferId,
            Label = Label,
            Status = Current.Status,
            Image = Image,
            DiskGb = DiskGb,
            Env = new Dictionary<string, string>(Env),
            Onstart = Onstart,
            Runtype = Runtype,
            SshKeys = [.. SshKeys],
            Polls = Polls,
            Destroyed = Destroyed,
        };
    }
}
