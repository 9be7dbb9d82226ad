using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>The whole nightly run on the embedded default: sample data → dataset → real XGBoost → evaluation → store → promotion.</summary>
[Trait("Category", "Integration")]
public sealed class RunDailyLocalEndToEndTests : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner NewCli(params (string Key, string Value)[] env)
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        foreach (var (key, value) in env)
        {
            cli.Environment[key] = value;
        }

        return cli;
    }

    private async Task SampleAsync(string from, int days, string regime, int seed, string outDir = "data")
    {
        var result = await NewCli().RunAsync(
            "data", "sample", "--symbol", "btcusdt", "--from", from, "--days", days.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--hours", "6", "--rate", "4", "--regime", regime, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", outDir);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task A_day_whose_edge_the_fee_eats_is_rejected_with_zero_trades_and_its_report_says_n_a_never_NaN()
    {
        // The defaults a trader pays (taker spread and 5 bps): the sample's 10-second edge makes no trade at 10 bars.
        await SampleAsync("2026-01-14", 2, "signal", 11);
        var cli = NewCli(("QUANTLAB_Evaluation__CostBps", "5"), ("QUANTLAB_Evaluation__IncludeSpread", "true"));

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "data", "--store", "store");
        var status = await cli.RunAsync("status", "--store", "store");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("trades 0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("promotion   REJECTED", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("± n/a per bar", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_symbol_on_two_exchanges_is_two_markets_each_trained_on_its_own_data_and_decided_on_its_own()
    {
        foreach (var (exchange, seed) in new[] { ("binance", "11"), ("bybit", "22") })
        {
            var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--exchange", exchange, "--from", "2026-01-14", "--days", "2", "--hours", "6", "--rate", "4", "--regime", "signal", "--seed", seed, "--out", "data");
            Assert.True(sample.ExitCode == 0, sample.ToString());
        }

        // No --symbol: the configured Symbols (home exchange binance) and Exchanges.
        var cli = NewCli(("QUANTLAB_Exchanges__bybit__0", "btcusdt"));
        var result = await cli.RunAsync("run-daily", "--date", "2026-01-14", "--data", "data", "--store", "store", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("symbol").GetString()!);
        Assert.Equal(["btcusdt", "bybit-btcusdt"], runs.Keys.Order());
        Assert.All(runs.Values, r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
        Assert.StartsWith("job-bybit-btcusdt-20260114-", runs["bybit-btcusdt"].GetProperty("job_id").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("job-btcusdt-20260114-", runs["btcusdt"].GetProperty("job_id").GetString(), StringComparison.Ordinal);

        foreach (var (key, exchange) in new[] { ("btcusdt", "binance"), ("bybit-btcusdt", "bybit") })
        {
            using var job = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "store", "models", "candidates", key, "2026-01-14", "job.json")));
            Assert.Equal(exchange, job.RootElement.GetProperty("exchange").GetString());
            Assert.All(job.RootElement.GetProperty("partitions").EnumerateArray(), p => Assert.Contains($"exchange={exchange}/", p.GetProperty("key").GetString(), StringComparison.Ordinal));

            // Each market is decided on its own; one the gate rejected (sample edges are thin after costs) is put in
            // production by hand, so the two production folders can be compared.
            if (runs[key].GetProperty("promotion").GetProperty("decision").GetString() != "promoted")
            {
                var forced = await NewCli().RunAsync("promote", "--symbol", key, "--date", "2026-01-14", "--store", "store", "--force");
                Assert.True(forced.ExitCode == ExitCodes.Ok, forced.ToString());
            }

            Assert.True(File.Exists(Path.Combine(temp.Path, "store", "models", "production", key, "model.bin")), $"{key} has no production model");
        }

        Assert.NotEqual(
            File.ReadAllBytes(Path.Combine(temp.Path, "store", "models", "production", "btcusdt", "model.bin")),
            File.ReadAllBytes(Path.Combine(temp.Path, "store", "models", "production", "bybit-btcusdt", "model.bin")));

        // The operator names the other exchange's market the same way, in any case.
        var models = await NewCli().RunAsync("models", "--symbol", "BYBIT-btcusdt", "--store", "store", "--json");
        Assert.True(models.ExitCode == ExitCodes.Ok, models.ToString());
        Assert.Contains(runs["bybit-btcusdt"].GetProperty("job_id").GetString()!, models.Stdout, StringComparison.Ordinal);
        var bad = await NewCli().RunAsync("models", "--symbol", "by-bit-btcusdt", "--store", "store");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("exchange-symbol", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_signal_is_trained_promoted_and_a_weaker_model_then_rejected()
    {
        await SampleAsync("2026-01-14", 2, "signal", seed: 11);

        var first = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "data", "--store", "store", "--json");

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var run = first.SingleRun();
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var metrics = run.GetProperty("candidate").GetProperty("metrics");
        Assert.True(metrics.GetProperty("directional_accuracy").GetDouble() > 0.55, first.Stdout);
        Assert.True(metrics.GetProperty("directional_ci_low").GetDouble() > 0.5, first.Stdout);
        Assert.Equal("promoted", run.GetProperty("promotion").GetProperty("decision").GetString());

        var candidateDir = Path.Combine(temp.Path, "store", "models", "candidates", "btcusdt", "2026-01-14");
        foreach (var file in new[] { "model.bin", "metrics.json", "job.json", "train_metrics.json", "runtime.json", "train.log", "promotion.json", "_COMPLETE.json" })
        {
            Assert.True(File.Exists(Path.Combine(candidateDir, file)), $"missing {file}");
        }

        var productionDir = Path.Combine(temp.Path, "store", "models", "production", "btcusdt");
        Assert.Equal(File.ReadAllBytes(Path.Combine(candidateDir, "model.bin")), File.ReadAllBytes(Path.Combine(productionDir, "model.bin")));
        var firstJob = run.GetProperty("job_id").GetString();

        // A deliberately weakened model on the next day: two shallow trees on one feature group.
        var weak = NewCli(
            ("QUANTLAB_Xgboost__NumBoostRound", "2"),
            ("QUANTLAB_Xgboost__MaxDepth", "1"),
            ("QUANTLAB_Dataset__ReturnWindows__0", "300"),
            ("QUANTLAB_Dataset__ImbalanceMeanWindows__0", "60"));
        var second = await weak.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-15", "--data", "data", "--store", "store", "--json");

        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        var rejected = second.SingleRun();
        Assert.Equal("succeeded", rejected.GetProperty("status").GetString());
        Assert.Equal("rejected", rejected.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.NotEmpty(rejected.GetProperty("promotion").GetProperty("reasons").EnumerateArray());
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(productionDir, "manifest.json")));
        Assert.Equal(firstJob, manifest.RootElement.GetProperty("job_id").GetString());

        var models = await NewCli().RunAsync("models", "--symbol", "btcusdt", "--store", "store", "--json");
        Assert.Equal(0, models.ExitCode);
        using var listing = JsonDocument.Parse(models.Stdout);
        Assert.Equal(2, listing.RootElement.GetProperty("candidates").GetArrayLength());
    }

    [Fact]
    public async Task Pure_noise_is_never_promoted()
    {
        await SampleAsync("2026-02-01", 1, "noise", seed: 5);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-01", "--data", "data", "--store", "store", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var run = result.SingleRun();
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("rejected", run.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.False(File.Exists(Path.Combine(temp.Path, "store", "models", "production", "btcusdt", "manifest.json")));
    }

    [Fact]
    public async Task A_day_that_is_not_compacted_yet_exits_3_and_trains_nothing()
    {
        await SampleAsync("2026-03-01", 1, "signal", seed: 3);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-03-02", "--data", "data", "--store", "store", "--json");

        Assert.Equal(ExitCodes.DataNotReady, result.ExitCode);
        var run = result.SingleRun();
        Assert.Equal("not_ready", run.GetProperty("status").GetString());
        Assert.Contains("20260301", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "store", "models")));
    }

    [Fact]
    public async Task A_dry_run_plans_without_training_and_a_finished_job_is_skipped_unless_forced()
    {
        await SampleAsync("2026-04-01", 1, "signal", seed: 8);
        var cli = NewCli(("QUANTLAB_Xgboost__NumBoostRound", "20"));
        string[] args = ["run-daily", "--symbol", "btcusdt", "--date", "2026-04-01", "--data", "data", "--store", "store", "--json"];

        var plan = await cli.RunAsync([.. args, "--dry-run"]);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var planned = plan.SingleRun();
        Assert.Equal("planned", planned.GetProperty("status").GetString());
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "store", "models")));

        var trained = (await cli.RunAsync(args)).SingleRun();
        Assert.Equal("succeeded", trained.GetProperty("status").GetString());
        Assert.Equal(planned.GetProperty("job_id").GetString(), trained.GetProperty("job_id").GetString());

        var again = (await cli.RunAsync(args)).SingleRun();
        Assert.Equal("skipped", again.GetProperty("status").GetString());

        var forced = (await cli.RunAsync([.. args, "--force"])).SingleRun();
        Assert.Equal("succeeded", forced.GetProperty("status").GetString());
    }

    public void Dispose() => temp.Dispose();
}
