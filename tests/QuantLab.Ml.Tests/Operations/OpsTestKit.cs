using System.Net;
using System.Net.Sockets;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using WireMock.Server;
using WireMock.Settings;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>Helpers of the operations tests: a loopback webhook receiver, a capturing logger, and a store with runs and a production model.</summary>
internal static class OpsTestKit
{
    public static WireMockServer StartReceiver() =>
        WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{FreePort()}"], StartAdminInterface = false });

    /// <summary>A file of this repository (cron/, scripts/), found from the test binaries' folder upwards.</summary>
    public static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QuantLab.Ml.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new InvalidOperationException($"no QuantLab.Ml.sln above {AppContext.BaseDirectory}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static (ILogger Log, ListSink Sink) Logger()
    {
        var sink = new ListSink();
        return (new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger(), sink);
    }

    public static RunSummary Run(string runId, DateTimeOffset finishedAt, params RunSummaryEntry[] entries) => new()
    {
        RunId = runId,
        StartedAt = finishedAt.AddMinutes(-150),
        FinishedAt = finishedAt,
        Provider = "local",
        Host = "box",
        Runs = entries,
    };

    public static RunSummaryEntry Entry(string symbol, string status, DateOnly date, RunDecision? decision = null, string? error = null, double? cost = null) => new()
    {
        Symbol = symbol,
        Status = status,
        Date = date,
        JobId = $"job-{symbol}-{TradingDate.Compact(date)}-0123456789ab",
        Decision = decision,
        DurationSeconds = 312,
        CostUsd = cost,
        Error = error,
    };

    public const string MetricsJson = """
        { "directional_accuracy": 0.5612, "n_directional": 1203, "accuracy": 0.48, "sharpe_per_bar": 0.021, "sharpe_per_bar_se": 0.004, "total_return": 0.012, "max_drawdown": 0.004 }
        """;

    /// <summary>Stores a completed candidate with its metrics and makes it production.</summary>
    public static async Task PromoteAsync(ModelRegistry registry, string folder, string symbol, DateOnly date, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "model.bin");
        var metrics = Path.Combine(folder, "metrics.json");
        await File.WriteAllTextAsync(model, "model", ct);
        await File.WriteAllTextAsync(metrics, MetricsJson, ct);
        var candidate = await registry.PutCandidateAsync(
            symbol, date, $"job-{symbol}-{TradingDate.Compact(date)}-0123456789ab",
            new Dictionary<string, string> { [ModelRegistry.ModelFile] = model, [ModelRegistry.MetricsFile] = metrics }, ct);
        await registry.PromoteAsync(candidate, null, forced: false, "test", "tester", Path.Combine(folder, "promote"), ct);
    }
}

/// <summary>Keeps every log event, to assert what was logged and that no secret was.</summary>
internal sealed class ListSink : ILogEventSink
{
    private readonly List<LogEvent> events = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (events)
            {
                return [.. events];
            }
        }
    }

    public string Text => string.Join("\n", Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)));

    public void Emit(LogEvent logEvent)
    {
        lock (events)
        {
            events.Add(logEvent);
        }
    }
}
