using System.Text.Json.Nodes;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Tests.Support;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace QuantLab.Ml.Tests.Reporting;

/// <summary>report.html and its charts: rendered from real metrics, showing the numbers of metrics.json; never failing a run.</summary>
[Trait("Category", "Unit")]
public sealed class CandidateReportTests : IDisposable
{
    private readonly TempDir temp = new();

    /// <summary>A small scored test part: 600 bars, a model right about 60 % of the time, its probabilities and returns.</summary>
    private static (ReportData Data, ModelMetrics Metrics) Scored()
    {
        var (data, metrics, _, _, _) = ScoredWithInputs();
        return (data, metrics);
    }

    private static (ReportData Data, ModelMetrics Metrics, float[] Probabilities, EvaluationWindow Window, EvaluationConfig Evaluation) ScoredWithInputs()
    {
        var rng = new Random(9);
        var evaluation = new EvaluationConfig { HorizonBars = 10, BarSeconds = 1, CostBps = 1 };
        var mids = new double[610];
        mids[0] = 100;
        for (var i = 1; i < mids.Length; i++)
        {
            mids[i] = mids[i - 1] * (1 + ((rng.NextDouble() - 0.5) * 8e-4));
        }

        var forward = Enumerable.Range(0, 600).Select(i => Math.Log(mids[i + 10] / mids[i])).ToArray();
        var labels = forward.Select(r => r > 5e-5 ? 2 : r < -5e-5 ? 0 : 1).ToArray();
        var window = Promotion.Windows.With(labels, forward, mids, spread: 0.002, validMeans: [-3e-4, 0, 3e-4], validHalfSpread: 1e-5);
        var probabilities = labels.SelectMany(l =>
        {
            var guess = rng.NextDouble() < 0.6 ? l : rng.Next(3);
            return Enumerable.Range(0, 3).Select(c => c == guess ? 0.6f : 0.2f);
        }).ToArray();
        var candidate = MetricsCalculator.Compute(probabilities, window, evaluation);
        var baseline = MetricsCalculator.ComputeNoPosition(window, evaluation);
        var decision = PromotionPolicy.Decide(candidate, baseline, null, new PromotionPolicyConfig());
        var data = new ReportData
        {
            Symbol = "btcusdt",
            Date = new DateOnly(2026, 1, 14),
            JobId = "job-btcusdt-20260114-0123456789ab",
            GeneratedAt = new DateTimeOffset(2026, 1, 15, 0, 30, 0, TimeSpan.Zero),
            Decision = decision,
            Candidate = candidate,
            Baseline = baseline,
            PeriodStartMs = Enumerable.Range(0, candidate.NPeriods).Select(j => TickSeriesStart + (j * 10_000L)).ToList(),
            CandidateReturns = candidate.PeriodReturns,
            BaselineReturns = baseline.PeriodReturns,
            Calibration = Calibration.Compute(probabilities, labels),
            FeatureImportance = [new("imbalance_mean_10", 19.5), new("ret_1", 1.8), new("spread_bps", 6.6)],
            Facts = new Dictionary<string, string> { ["dataset sha256"] = new string('a', 64) },
        };
        return (data, candidate, probabilities, window, evaluation);
    }

    private static string Section(string html, string id)
    {
        var start = html.IndexOf("id=\"" + id + "\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        var end = html.IndexOf("<h2>", start, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end)];
    }

    private string RenderHtml(ReportData data)
    {
        var dir = temp.Combine("report-" + Guid.NewGuid().ToString("N"));
        CandidateReport.Render(data, dir);
        return File.ReadAllText(Path.Combine(dir, "report.html"));
    }

    [Fact]
    public void Test_window_section_gives_the_span_and_calls_a_full_day_walk_forward()
    {
        var (data, metrics) = Scored();
        var window = new TestWindow(new DateTimeOffset(2026, 1, 14, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 14, 23, 57, 59, TimeSpan.Zero)) { FullDay = true };

        var section = Section(RenderHtml(data with { Candidate = metrics with { TestWindow = window } }), "test-window");

        Assert.Contains("2026-01-14T00:00:00Z to 2026-01-14T23:57:59Z (24.0 h, " + metrics.NTest + " test bars)", section, StringComparison.Ordinal);
        Assert.Contains("Walk forward: the most recent full day", section, StringComparison.Ordinal);
        Assert.DoesNotContain("shorter than a day", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_window_section_warns_in_bold_when_the_test_part_is_shorter_than_a_day()
    {
        var (data, metrics) = Scored();
        var window = new TestWindow(new DateTimeOffset(2026, 1, 14, 5, 6, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 14, 5, 59, 49, TimeSpan.Zero)) { FullDay = false };

        var section = Section(RenderHtml(data with { Candidate = metrics with { TestWindow = window } }), "test-window");

        Assert.Contains("2026-01-14T05:06:00Z to 2026-01-14T05:59:49Z (0.9 h", section, StringComparison.Ordinal);
        Assert.Contains("<strong>the test window is shorter than a day (0.9 h, intra-day split", section, StringComparison.Ordinal);
        Assert.DoesNotContain("Walk forward", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Paired_section_shows_the_diebold_mariano_numbers_of_the_same_bars_and_their_mean_difference_checks_out()
    {
        var (data, candidate, _, window, evaluation) = ScoredWithInputs();
        var rng = new Random(21);
        var championProbabilities = Enumerable.Range(0, window.Labels.Length).SelectMany(_ =>
        {
            var guess = rng.Next(3);
            return Enumerable.Range(0, 3).Select(c => c == guess ? 0.5f : 0.25f);
        }).ToArray();
        var champion = MetricsCalculator.Compute(championProbabilities, window, evaluation);
        var paired = PairedTest.Of(candidate, champion);

        var section = System.Net.WebUtility.HtmlDecode(Section(RenderHtml(data with { Paired = paired }), "paired"));
        var none = Section(RenderHtml(data), "paired");

        // What a reader recomputes: the mean per-bar difference of the two net return series on the same bars.
        Assert.Equal(candidate.PeriodReturns.Count, champion.PeriodReturns.Count);
        var difference = candidate.PeriodReturns.Zip(champion.PeriodReturns, (a, b) => a - b).Average();
        Assert.Equal(difference, paired.MeanDifference, 1e-15);
        Assert.Equal(paired.MeanDifference / paired.StandardError, paired.Statistic, 1e-9);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Contains($"Diebold–Mariano on {candidate.PeriodReturns.Count} same bars", section, StringComparison.Ordinal);
        Assert.Contains(string.Create(c, $"candidate − champion = {difference * 1e4:G4} ± {paired.StandardError * 1e4:G3} bp per bar"), section, StringComparison.Ordinal);
        Assert.Contains(string.Create(c, $"(Newey–West, lag {paired.Lag}), DM = {paired.Statistic:F2}, one-sided p = {paired.PValue:G3}."), section, StringComparison.Ordinal);
        Assert.True(paired.Lag >= evaluation.HorizonBars);
        Assert.Contains("No champion was scored on these bars, so there is no paired test.", none, StringComparison.Ordinal);
    }

    [Fact]
    public void Cost_sensitivity_table_has_fee_0_half_1_2_with_and_without_spread_and_its_configured_row_is_the_gates_numbers()
    {
        var (data, candidate, probabilities, window, evaluation) = ScoredWithInputs();
        var sensitivity = CostSensitivity.Compute(probabilities, null, window, evaluation);

        var table = Section(RenderHtml(data with { Sensitivity = sensitivity }), "sensitivity");
        var rows = table.Split("</tr>").Where(r => r.Contains("<td", StringComparison.Ordinal)).ToList();

        Assert.Equal(8, rows.Count);
        string[] fees = ["0 (0×)", "0.5 (0.5×)", "1 (1×)", "2 (2×)"];
        for (var i = 0; i < 8; i++)
        {
            Assert.Contains(">" + fees[i % 4] + "</td><td>" + (i < 4 ? "paid" : "not paid") + "</td>", rows[i], StringComparison.Ordinal);
        }

        // The configured fee with the spread paid is what the gate judged: the same return, Sharpe and trades as metrics.json.
        var gate = rows[2];
        Assert.Contains(">" + ReportHtml.Number(candidate.TotalReturn, "0.0000%") + "<", gate, StringComparison.Ordinal);
        Assert.Contains(">" + ReportHtml.Number(candidate.SharpePerBar, "0.00000") + "<", gate, StringComparison.Ordinal);
        Assert.Contains(">" + candidate.NTrades + "<", gate, StringComparison.Ordinal);
        // Without any cost the threshold is zero, so the same predictions change position at least as often.
        Assert.True(sensitivity[4].Trades >= sensitivity[2].Trades, $"{sensitivity[4].Trades} < {sensitivity[2].Trades}");
        Assert.All(rows, r => Assert.EndsWith(">–</td>", r, StringComparison.Ordinal)); // no champion column values without a champion
    }

    private const long TickSeriesStart = 1_768_370_400_000; // 2026-01-14T06:00:00Z

    [Fact]
    public void Report_renders_the_charts_and_shows_every_number_of_metrics_json_and_every_check()
    {
        var (data, metrics) = Scored();
        var dir = temp.Combine("report");

        var files = CandidateReport.Render(data, dir);

        Assert.Equal(["report.html", "equity.png", "drawdown.png", "calibration.png", "importance.png"], files);
        foreach (var png in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.True(bytes.Length > 5_000, $"{png} is only {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        var metricsJson = JsonNode.Parse(AllJson.Serialize(metrics))!.AsObject();
        var table = html[html.IndexOf("id=\"metrics\"", StringComparison.Ordinal)..html.IndexOf("id=\"evidence\"", StringComparison.Ordinal)];
        foreach (var (key, header) in new[]
        {
            ("n_test", "n_test"), ("accuracy", "accuracy"), ("majority_class_rate", "majority_class_rate"),
            ("directional_accuracy", "directional_accuracy (hit rate of calls)"), ("n_directional", "n_directional (calls)"),
            ("flat_outcome_calls", "flat_outcome_calls"), ("directional_ci_low", "directional_ci_low (effective)"),
            ("directional_ci_high", "directional_ci_high (effective)"), ("log_loss", "log_loss"), ("total_return", "total_return (net)"),
            ("max_drawdown", "max_drawdown"), ("n_trades", "n_trades (book changes)"), ("n_periods", "n_periods (bars)"),
        })
        {
            var row = table[table.IndexOf("<th>" + header + "</th>", StringComparison.Ordinal)..];
            row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
            Assert.Contains(">" + ReportHtml.Number((double?)metricsJson[key]) + "<", row, StringComparison.Ordinal);
        }

        foreach (var check in data.Decision.Checks)
        {
            Assert.Contains("<td>" + check.Name + "</td>", html, StringComparison.Ordinal);
        }

        Assert.Contains(data.Decision.IsPromoted ? "PROMOTED" : "REJECTED", html, StringComparison.Ordinal);
        Assert.Equal(4, CountOf(html, "src=\"data:image/png;base64,")); // one self-contained file
    }

    [Fact]
    public async Task Report_can_be_rendered_again_from_report_data_json()
    {
        var (data, _) = Scored();
        var first = temp.Combine("first");
        var written = await CandidateReport.TryWriteAsync(data, first, Logger.None, TestContext.Current.CancellationToken);

        var back = AllJson.Deserialize<ReportData>(File.ReadAllText(written[CandidateReport.DataFile]), "report_data.json");
        CandidateReport.Render(back, temp.Combine("second"));

        Assert.Equal(data.CandidateReturns, back.CandidateReturns);
        Assert.Equal(
            Strip(File.ReadAllText(Path.Combine(first, "report.html"))),
            Strip(File.ReadAllText(temp.Combine("second", "report.html"))));
    }

    [Fact]
    public async Task A_report_that_cannot_be_written_is_logged_and_the_caller_goes_on()
    {
        var (data, _) = Scored();
        var blocked = temp.File("report");
        await File.WriteAllTextAsync(blocked, "a file where the report folder should be", TestContext.Current.CancellationToken);
        var sink = new ListSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        var written = await CandidateReport.TryWriteAsync(data, blocked, log, TestContext.Current.CancellationToken);

        Assert.Empty(written);
        var warning = Assert.Single(sink.Events);
        Assert.Equal(LogEventLevel.Warning, warning.Level);
        Assert.Contains("the run continues without it", warning.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_while_gathering_the_report_data_is_caught_too()
    {
        var sink = new ListSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        var written = await CandidateReport.TryWriteAsync(
            () => throw new InvalidOperationException("train_metrics.json vanished"), temp.Combine("r"), log, TestContext.Current.CancellationToken);

        Assert.Empty(written);
        Assert.Contains("train_metrics.json vanished", Assert.Single(sink.Events).RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Drawdown_curve_matches_the_backtests_max_drawdown_on_a_hand_computed_series()
    {
        // Equity 1 → 1.1 → 0.88 → 0.924 → 1.0164: the worst fall is from 1.1 to 0.88, 20 %.
        double[] returns = [0.1, -0.2, 0.05, 0.1];

        var drawdown = ReportCharts.DrawdownCurve(returns);

        Assert.Equal(0.2, drawdown.Max(), 1e-12);
        Assert.Equal(1.0164, ReportCharts.EquityCurve(returns)[^1], 1e-12);
        // The same path through the execution: long from bar 1 (H = 1, no fee, no spread), marked at these mids.
        double[] mids = [100, 100, 110, 88, 92.4, 101.64];
        var window = Promotion.Windows.With([2, 2, 2, 2, 2], [0.01, 0.01, 0.01, 0.01, 0.01], mids, spread: 0, validMeans: [-0.01, 0, 0.01]);
        var metrics = MetricsCalculator.Compute(
            Enumerable.Range(0, 5).SelectMany(_ => new[] { 0.1f, 0.1f, 0.8f }).ToArray(), window, new EvaluationConfig { HorizonBars = 1, BarSeconds = 1, CostBps = 0 });
        Assert.Equal([0, .. returns], metrics.PeriodReturns.Select(r => Math.Round(r, 12)));
        Assert.Equal(0.2, metrics.MaxDrawdown, 1e-12);
    }

    private static string Strip(string html) => System.Text.RegularExpressions.Regex.Replace(html, "base64,[^\"]+", "base64,…");

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public void Dispose() => temp.Dispose();

    private sealed class ListSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
