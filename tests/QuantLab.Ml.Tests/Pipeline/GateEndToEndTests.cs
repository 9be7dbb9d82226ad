using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Common;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>
/// The promotion gate through the real CLI and trainer on 6-hour sample days: noise is never promoted, a real signal is,
/// and the champion is always scored on the candidate's own test window (same features, its own features, or not at all).
/// </summary>
[Trait("Category", "Integration")]
public sealed class GateEndToEndTests : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner NewCli(params (string Key, string Value)[] env)
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_DataRoot"] = "data";
        cli.Environment["QUANTLAB_StoreRoot"] = "store";
        foreach (var (key, value) in env)
        {
            cli.Environment[key] = value;
        }

        return cli;
    }

    private async Task SampleAsync(string from, int days, string regime, int seed)
    {
        var result = await NewCli().RunAsync(
            "data", "sample", "--symbol", "btcusdt", "--from", from, "--days", days.ToString(CultureInfo.InvariantCulture),
            "--hours", "6", "--rate", "4", "--regime", regime, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", "data");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static async Task<JsonElement> RunDayAsync(CliRunner cli, string date)
    {
        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", date, "--json");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var run = result.SingleRun();
        Assert.True(run.GetProperty("status").GetString() == "succeeded", result.ToString());
        return run;
    }

    private string CandidateFile(string date, string name) => temp.Combine("store", "models", "candidates", "btcusdt", date, name);

    private JsonObject Promotion(string date) => JsonNode.Parse(File.ReadAllText(CandidateFile(date, "promotion.json")))!.AsObject();

    private static string[] FailedChecks(JsonObject promotion) =>
        promotion["decision"]!["checks"]!.AsArray().Where(c => !(bool)c!["passed"]!).Select(c => (string)c!["name"]!).ToArray();

    [Fact]
    public async Task Noise_is_never_promoted_across_20_seeds()
    {
        // Twenty nights of pure noise, each with its own seed, in one store: the candidates-tried count grows to 20.
        var first = new DateOnly(2026, 3, 1);
        var failures = new List<string>();
        var cli = NewCli(("QUANTLAB_Xgboost__NumBoostRound", "60"));
        for (var night = 0; night < 20; night++)
        {
            var date = TradingDate.Iso(first.AddDays(night));
            await SampleAsync(date, 1, "noise", seed: 1_000 + night);

            var run = await RunDayAsync(cli, date);

            Assert.Equal("rejected", run.GetProperty("promotion").GetProperty("decision").GetString());
            var promotion = Promotion(date);
            Assert.Equal(night + 1, (int)promotion["promotion"]!["trials"]!);
            var failed = FailedChecks(promotion);
            Assert.NotEmpty(failed);
            var evidence = promotion["decision"]!["evidence"]!;
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"seed {1_000 + night}: p={(double)evidence["directional_p_value"]!:F3} psr={(double)evidence["probabilistic_sharpe"]!:F3} dsr={(double)evidence["deflated_sharpe"]!:F3}; {failed.Length} failed ({string.Join(", ", failed)})"));
        }

        Assert.False(File.Exists(temp.Combine("store", "models", "production", "btcusdt", "manifest.json")));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', failures));
    }

    [Fact]
    public async Task The_champion_is_scored_on_each_candidates_window_with_its_own_features_or_not_compared()
    {
        await SampleAsync("2026-01-14", 4, "signal", seed: 11);
        var fast = ("QUANTLAB_Xgboost__NumBoostRound", "150");

        // Night 1: the first model of the symbol needs only the absolute rules.
        var night1 = await RunDayAsync(NewCli(fast), "2026-01-14");
        Assert.Equal("promoted", night1.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.Null(Promotion("2026-01-14")["champion"]);

        // Night 2: same configuration; the champion predicts the new test window in the same trainer job.
        await RunDayAsync(NewCli(fast), "2026-01-15");
        var second = Promotion("2026-01-15");
        Assert.Equal("same_features", (string?)second["champion"]!["comparison"]);
        Assert.Equal((int)second["candidate"]!["n_test"]!, (int)second["champion"]!["metrics"]!["n_test"]!);
        Assert.NotEqual(
            (double)second["champion"]!["metrics"]!["total_return"]!,
            JsonNode.Parse(File.ReadAllText(temp.Combine("store", "models", "production", "btcusdt", "metrics.json")))!["total_return"]!.GetValue<double>());
        Assert.Contains("predictions_production.npy", second["provenance"]!["inputs"]!.AsObject().Select(p => p.Key));

        // Night 3: a deliberately weakened model on other features; the champion is re-scored with its own features.
        var production = File.ReadAllText(temp.Combine("store", "models", "production", "btcusdt", "manifest.json"));
        var weak = NewCli(
            ("QUANTLAB_Xgboost__NumBoostRound", "2"),
            ("QUANTLAB_Xgboost__MaxDepth", "1"),
            ("QUANTLAB_Dataset__ReturnWindows__0", "300"),
            ("QUANTLAB_Dataset__ImbalanceMeanWindows__0", "60"));
        var night3 = await RunDayAsync(weak, "2026-01-16");
        Assert.Equal("rejected", night3.GetProperty("promotion").GetProperty("decision").GetString());
        var third = Promotion("2026-01-16");
        Assert.Equal("own_features", (string?)third["champion"]!["comparison"]);
        Assert.Contains("beats_champion_paired", FailedChecks(third));
        Assert.Contains("production-data.npz", third["provenance"]!["inputs"]!.AsObject().Select(p => p.Key));
        Assert.Equal(production, File.ReadAllText(temp.Combine("store", "models", "production", "btcusdt", "manifest.json")));

        // promote --dry-run re-evaluates from the stored evaluation and prints the same decision.
        var replay = await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-01-16", "--dry-run", "--json");
        Assert.True(replay.ExitCode == 0, replay.ToString());
        var replayed = JsonNode.Parse(replay.Stdout)!["decision"]!;
        Assert.Equal("would_reject", (string?)JsonNode.Parse(replay.Stdout)!["action"]);
        Assert.True(JsonNode.DeepEquals(third["decision"], replayed), $"{third["decision"]}\n---\n{replayed}");

        // Night 4: another label horizon: the champion predicts something else, so the comparison is impossible.
        await RunDayAsync(NewCli(fast, ("QUANTLAB_Dataset__HorizonBars", "20")), "2026-01-17");
        var fourth = Promotion("2026-01-17");
        Assert.Equal("not_comparable", (string?)fourth["champion"]!["comparison"]);
        var reasons = fourth["decision"]!["reasons"]!.AsArray().Select(r => (string)r!).ToList();
        Assert.Contains(reasons, r => r.StartsWith("champion not comparable; promote --force to replace it: the champion was trained on another target (a horizon of 10 bars vs the candidate's 20)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_candidate_has_a_report_with_its_metrics_and_models_links_it()
    {
        await SampleAsync("2026-04-01", 1, "signal", seed: 11);
        await RunDayAsync(NewCli(("QUANTLAB_Xgboost__NumBoostRound", "100")), "2026-04-01");

        var html = await File.ReadAllTextAsync(CandidateFile("2026-04-01", "report.html"), TestContext.Current.CancellationToken);
        var metrics = JsonNode.Parse(File.ReadAllText(CandidateFile("2026-04-01", "metrics.json")))!;
        foreach (var key in new[] { "directional_accuracy", "n_directional", "total_return", "max_drawdown", "n_trades" })
        {
            Assert.Contains(">" + ReportHtml.Number(metrics[key]!.GetValue<double>()) + "<", html, StringComparison.Ordinal);
        }

        foreach (var png in new[] { "equity.png", "drawdown.png", "calibration.png", "importance.png" })
        {
            Assert.True(new FileInfo(CandidateFile("2026-04-01", png)).Length > 5_000, png);
        }

        var data = JsonNode.Parse(File.ReadAllText(CandidateFile("2026-04-01", "report_data.json")))!;
        Assert.InRange(data["candidate_returns"]!.AsArray().Count, 1, Math.Min(720, (int)metrics["n_periods"]!)); // per-bar returns compounded for the chart

        var models = await NewCli().RunAsync("models", "--symbol", "btcusdt");
        Assert.Equal(0, models.ExitCode);
        Assert.Contains(CandidateFile("2026-04-01", "report.html"), models.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
