using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>`status` on a store with a fresh, a stale and a failed symbol, as a monitor at 08:00 UTC would call it.</summary>
[Trait("Category", "Unit")]
public sealed class StatusCommandTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 1, 14);
    private readonly TempDir temp = new();

    private CliRunner Cli => new(temp.Path) { Time = new FakeTimeProvider(Now) };

    private async Task SeedAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new FolderArtifactStore(temp.Combine("store"));
        var log = new RunLog(store);

        // Two nights ago: everything ran. Last night: btcusdt and solusdt ran, ethusdt was not part of the run.
        await log.WriteAsync(OpsTestKit.Run("run-old", Now.AddHours(-30),
            OpsTestKit.Entry("btcusdt", "succeeded", Day.AddDays(-1), RunDecision.Rejected),
            OpsTestKit.Entry("ethusdt", "succeeded", Day.AddDays(-1), RunDecision.Rejected),
            OpsTestKit.Entry("solusdt", "succeeded", Day.AddDays(-1), RunDecision.Rejected)), ct);
        await log.WriteAsync(OpsTestKit.Run("run-new", Now.AddHours(-5),
            OpsTestKit.Entry("btcusdt", "succeeded", Day, RunDecision.Promoted, cost: 0.21),
            OpsTestKit.Entry("solusdt", "failed", Day, error: "trainer exited 3: CUDA out of memory")), ct);
        await OpsTestKit.PromoteAsync(new ModelRegistry(store, new FakeTimeProvider(Now.AddHours(-5))), temp.Combine("files"), "btcusdt", Day, ct);
    }

    private static JsonElement Symbol(CliResult result, string symbol)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("symbols").EnumerateArray().Single(s => s.GetProperty("symbol").GetString() == symbol).Clone();
    }

    [Fact]
    public async Task A_fresh_successful_night_is_healthy_with_its_run_and_production_model()
    {
        await SeedAsync();

        var result = await Cli.RunAsync("status", "--store", "store", "--symbol", "btcusdt", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var btc = Symbol(result, "btcusdt");
        Assert.True(btc.GetProperty("healthy").GetBoolean());
        var run = btc.GetProperty("last_run");
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("promoted", run.GetProperty("decision").GetString());
        Assert.Equal(0.21, run.GetProperty("cost_usd").GetDouble());
        Assert.Equal(5, run.GetProperty("age_hours").GetDouble());
        Assert.Equal(0.5612, run.GetProperty("candidate").GetProperty("directional_accuracy").GetDouble());
        var production = btc.GetProperty("production");
        Assert.Equal("2026-01-14", production.GetProperty("version").GetString());
        Assert.Equal(5, production.GetProperty("age_hours").GetDouble());
        Assert.Equal(0.021, production.GetProperty("metrics").GetProperty("sharpe_per_bar").GetDouble());
    }

    [Fact]
    public async Task A_last_run_older_than_26_hours_is_stale_and_exits_1()
    {
        await SeedAsync();

        var result = await Cli.RunAsync("status", "--store", "store", "--symbol", "ethusdt", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var problem = Assert.Single(Symbol(result, "ethusdt").GetProperty("problems").EnumerateArray()).GetString();
        Assert.Contains("30.0 h ago", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_longer_max_age_accepts_the_same_run()
    {
        await SeedAsync();
        var result = await Cli.RunAsync("status", "--store", "store", "--symbol", "ethusdt", "--max-age", "48h");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
    }

    [Fact]
    public async Task A_failed_last_run_exits_1_with_its_error_even_though_it_is_fresh()
    {
        await SeedAsync();

        var result = await Cli.RunAsync("status", "--store", "store", "--symbol", "solusdt", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var sol = Symbol(result, "solusdt");
        Assert.Equal("failed", sol.GetProperty("last_run").GetProperty("status").GetString());
        Assert.Contains("CUDA out of memory", Assert.Single(sol.GetProperty("problems").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configured_symbols_are_reported_for_people_with_the_unhealthy_ones_marked()
    {
        await SeedAsync();
        var cli = Cli;
        cli.Environment["QUANTLAB_Symbols"] = "btcusdt,ethusdt,solusdt,xrpusdt";

        var result = await cli.RunAsync("status", "--store", "store");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        Assert.Contains("btcusdt  OK", lines);
        Assert.Contains("ethusdt  UNHEALTHY", lines);
        Assert.Contains("solusdt  UNHEALTHY", lines);
        Assert.Contains("xrpusdt  UNHEALTHY", lines);
        Assert.Contains(lines, l => l.Contains("no run of xrpusdt", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  instances   unknown", StringComparison.Ordinal));
        Assert.Equal("UNHEALTHY (exit 1)", lines.Last(l => l.Length > 0));
    }

    [Fact]
    public async Task An_empty_store_is_unhealthy_not_an_error()
    {
        var result = await Cli.RunAsync("status", "--store", "store", "--symbol", "btcusdt");
        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("production  none", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(result.ErrorLines);
    }

    public void Dispose() => temp.Dispose();
}
