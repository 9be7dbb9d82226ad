using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Common;
using QuantLab.Ml.Vast;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using WireMock.Server;
using WireMock.Settings;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>Collects Serilog events so tests can assert on logs and scan them for secrets.</summary>
internal sealed class ListSink : ILogEventSink
{
    public ConcurrentQueue<LogEvent> Events { get; } = new();

    public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);

    public ILogger CreateLogger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    /// <summary>Every rendered message, property value and exception text, for leak scans.</summary>
    public IEnumerable<string> AllText() => Events.SelectMany(e =>
        new[] { e.RenderMessage(CultureInfo.InvariantCulture), e.MessageTemplate.Text, e.Exception?.ToString() ?? string.Empty }
            .Concat(e.Properties.Values.Select(v => v.ToString())));

    public IEnumerable<string> Messages(LogEventLevel level) =>
        Events.Where(e => e.Level == level).Select(e => e.RenderMessage(CultureInfo.InvariantCulture));
}

/// <summary>Shared helpers of the Vast tests: clients, loopback WireMock, and a driver for the fake clock.</summary>
internal static class VastTestKit
{
    public const string Key = "test-key-LEAKCANARY-9f8e7d6c5b4a";

    /// <summary>Options for tests: loopback URL, no reconcile pause, a generous per-call timeout (the fake clock runs fast while HTTP is in flight).</summary>
    public static VastOptions Options(string baseUrl, VastPacingOptions? pacing = null) => new()
    {
        BaseUrl = baseUrl,
        Pacing = pacing ?? VastPacingOptions.None,
        RequestTimeout = TimeSpan.FromMinutes(10),
        ReconcileDelay = TimeSpan.FromSeconds(5),
    };

    public static VastClient Client(VastOptions options, TimeProvider time, ListSink? sink = null, string? key = Key, HttpClient? http = null) =>
        new(http ?? Http, options, key is null ? null : new Secret(key), time, (sink ?? new ListSink()).CreateLogger());

    /// <summary>One HttpClient for all tests, without its own timeout: the client's pipeline owns timeouts.</summary>
    public static HttpClient Http { get; } = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>WireMock on 127.0.0.1 only (never on all interfaces).</summary>
    public static WireMockServer StartWireMock() =>
        WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{FreePort()}"], StartAdminInterface = false });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs <paramref name="task"/> to completion, advancing the fake clock by <paramref name="step"/> whenever it is
    /// waiting, so pacing, backoff and polling happen in fake time. Bounded: fails instead of spinning forever.
    /// </summary>
    public static async Task<T> DriveAsync<T>(this FakeTimeProvider time, Task<T> task, TimeSpan? step = null, int maxSteps = 20_000)
    {
        await DriveCoreAsync(time, task, step, maxSteps);
        return await task;
    }

    public static async Task DriveAsync(this FakeTimeProvider time, Task task, TimeSpan? step = null, int maxSteps = 20_000)
    {
        await DriveCoreAsync(time, task, step, maxSteps);
        await task;
    }

    private static async Task DriveCoreAsync(FakeTimeProvider time, Task task, TimeSpan? step, int maxSteps)
    {
        var s = step ?? TimeSpan.FromSeconds(1);
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.WhenAny(task, Task.Delay(5, TestContext.Current.CancellationToken));
            if (!task.IsCompleted)
            {
                time.Advance(s);
            }
        }

        Assert.True(task.IsCompleted, $"the operation did not finish within {maxSteps} clock steps");
    }

    /// <summary>
    /// WireMock records a request only after it has answered it, so the client can see the answer first: wait (bounded)
    /// until at least <paramref name="count"/> requests are recorded, then return them all.
    /// </summary>
    public static async Task<IReadOnlyList<WireMock.IRequestMessage>> RequestsAsync(this WireMockServer server, int count)
    {
        for (var i = 0; i < 200 && server.LogEntries.Count < count; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return server.LogEntries.Select(e => e.RequestMessage).ToList();
    }

    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 3, 14, 2, 0, 0, TimeSpan.Zero));

    public static CreateInstanceRequest Request(string label = "quantlab-ml:btcusdt-20260313-abc123", double diskGb = 50) => new()
    {
        Image = "vastai/base-image:@vastai-automatic-tag",
        DiskGb = diskGb,
        Label = label,
        Env = new Dictionary<string, string> { ["QUANTLAB_JOB"] = "job-btcusdt-20260313", ["DATA_URL"] = "http://127.0.0.1/presigned?sig=SECRETSIG" },
        Onstart = "echo started",
    };
}
