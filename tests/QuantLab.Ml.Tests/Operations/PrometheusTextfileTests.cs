using QuantLab.Ml.Configuration;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Tests.Operations;

[Trait("Category", "Unit")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrometheusTextfileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDir temp = new();

    private static StatusReport Report(IReadOnlyList<LiveInstance>? live) => new()
    {
        CheckedAt = Now,
        Store = "/srv/store",
        MaxAgeHours = 26,
        Healthy = false,
        InstancesKnown = live is not null,
        LiveInstances = live,
        Symbols =
        [
            new SymbolStatus
            {
                Symbol = "btcusdt", Healthy = true, Problems = [],
                LastRun = new LastRunStatus
                {
                    RunId = "run-a", StartedAt = Now.AddHours(-6), FinishedAt = Now.AddHours(-5), AgeHours = 5, Status = "succeeded",
                    Date = new DateOnly(2026, 1, 14), Decision = RunDecision.Promoted, CostUsd = 0.21, DurationSeconds = 312, Provider = "vast", Host = "box",
                    Candidate = new KeyMetrics { DirectionalAccuracy = 0.5612, NDirectional = 1203, SharpePerBar = 0.021, SharpePerBarSe = 0.004, TotalReturn = 0.012, MaxDrawdown = 0.004 },
                },
                Production = new ProductionStatus
                {
                    Version = new DateOnly(2026, 1, 14), JobId = "job-b", ChangedAt = Now.AddHours(-5), AgeHours = 5, Action = "promote",
                    Metrics = new KeyMetrics { DirectionalAccuracy = 0.5612, SharpePerBar = 0.021 },
                },
                LiveInstances = live?.Where(i => i.Symbol == "btcusdt").ToList(),
            },
            new SymbolStatus
            {
                Symbol = "ethusdt", Healthy = false, Problems = ["last run failed: boom"],
                LastRun = new LastRunStatus
                {
                    RunId = "run-a", StartedAt = Now.AddHours(-6), FinishedAt = Now.AddHours(-5), AgeHours = 5, Status = "failed",
                    Date = new DateOnly(2026, 1, 14), DurationSeconds = 12, Error = "boom", Provider = "vast", Host = "box",
                },
                LiveInstances = live?.Where(i => i.Symbol == "ethusdt").ToList(),
            },
        ],
    };

    [Fact]
    public void The_textfile_parses_back_with_status_decision_cost_and_candidate_metrics_per_symbol()
    {
        var text = PrometheusTextfile.Render(Report(live: null), new RunInvocation(Now.AddHours(-5), Succeeded: false, 640), new BuildInfo("0.1.0", "abcdef012345"));

        var samples = PrometheusText.Parse(text);

        Assert.Equal(1, samples.Value("quantlab_ml_last_run_status", ("symbol", "btcusdt"), ("status", "succeeded")));
        Assert.Equal(0, samples.Value("quantlab_ml_last_run_status", ("symbol", "btcusdt"), ("status", "failed")));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_status", ("symbol", "ethusdt"), ("status", "failed")));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_promotion", ("symbol", "btcusdt"), ("decision", "promoted")));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_promotion", ("symbol", "ethusdt"), ("decision", "none")));
        Assert.Equal(0.21, samples.Value("quantlab_ml_last_run_cost_usd", ("symbol", "btcusdt")));
        Assert.DoesNotContain(samples, s => s.Name == "quantlab_ml_last_run_cost_usd" && s.Labels["symbol"] == "ethusdt");
        Assert.Equal(0.5612, samples.Value("quantlab_ml_candidate_directional_accuracy", ("symbol", "btcusdt")));
        Assert.Equal(1203, samples.Value("quantlab_ml_candidate_directional_samples", ("symbol", "btcusdt")));
        Assert.Equal(312, samples.Value("quantlab_ml_last_run_duration_seconds", ("symbol", "btcusdt")));
        Assert.Equal(Now.AddHours(-5).ToUnixTimeSeconds(), samples.Value("quantlab_ml_last_run_timestamp_seconds", ("symbol", "btcusdt")));
        Assert.Equal(new DateTimeOffset(2026, 1, 14, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), samples.Value("quantlab_ml_production_version_timestamp_seconds", ("symbol", "btcusdt")));
        Assert.Equal(0, samples.Value("quantlab_ml_run_daily_last_success"));
        Assert.Equal(0, samples.Value("quantlab_ml_status_healthy"));
        Assert.Equal(1, samples.Value("quantlab_ml_build_info", ("version", "0.1.0"), ("commit", "abcdef012345")));
    }

    [Fact]
    public void Live_instances_are_counted_per_symbol_when_known_and_absent_when_unknown()
    {
        var unknown = PrometheusText.Parse(PrometheusTextfile.Render(Report(live: null), null, new BuildInfo("0.1.0", "x")));
        Assert.DoesNotContain(unknown, s => s.Name.StartsWith("quantlab_ml_live_instances", StringComparison.Ordinal));

        LiveInstance[] live =
        [
            new() { InstanceId = "1", Provider = "vast", Symbol = "btcusdt" },
            new() { InstanceId = "2", Provider = "vast", Symbol = null },
        ];
        var known = PrometheusText.Parse(PrometheusTextfile.Render(Report(live), null, new BuildInfo("0.1.0", "x")));
        Assert.Equal(1, known.Value("quantlab_ml_live_instances", ("symbol", "btcusdt")));
        Assert.Equal(0, known.Value("quantlab_ml_live_instances", ("symbol", "ethusdt")));
        Assert.Equal(2, known.Value("quantlab_ml_live_instances_total"));
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var samples = PrometheusText.Parse(PrometheusTextfile.Render(Report(null), null, new BuildInfo("1.0 \"beta\"\\x", "abc\ndef")));
        var info = Assert.Single(samples, s => s.Name == "quantlab_ml_build_info");
        Assert.Equal("1.0 \"beta\"\\x", info.Labels["version"]);
        Assert.Equal("abc\ndef", info.Labels["commit"]);
    }

    [Fact]
    public async Task The_file_is_replaced_whole_with_no_temporary_left_and_readable_by_node_exporter()
    {
        var options = new MetricsOptions { TextfileDir = temp.Combine("textfile") };

        await MetricsTextfileWriter.WriteAsync(options, "# TYPE a gauge\na 1\n", TestContext.Current.CancellationToken);
        var path = await MetricsTextfileWriter.WriteAsync(options, "# TYPE a gauge\na 2\n", TestContext.Current.CancellationToken);

        Assert.Equal(temp.Combine("textfile", "quantlab_ml.prom"), path);
        Assert.Equal("# TYPE a gauge\na 2\n", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal([path], Directory.GetFiles(temp.Combine("textfile")));
        Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.OtherRead));
    }

    [Theory]
    [InlineData("metrics.txt")]
    [InlineData("../x.prom")]
    public void A_file_name_node_exporter_would_not_read_is_rejected(string name) =>
        Assert.Throws<QuantLab.Ml.Common.UsageException>(() => new MetricsOptions { TextfileDir = "/tmp", FileName = name }.Validate());

    public void Dispose() => temp.Dispose();
}
