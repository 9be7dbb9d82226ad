using System.Globalization;
using System.Net;
using System.Text;
using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Reporting;

/// <summary>report.html: one self-contained page (charts embedded as PNG data) with the decision, every check and the numbers.</summary>
public static class ReportHtml
{
    public const string FileName = "report.html";

    /// <summary>Numbers as the report prints them; tests read metrics.json through the same format.</summary>
    public static string Number(double? value, string format = "0.######") =>
        value is { } v ? (double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture)) : "–";

    /// <summary>The page for <paramref name="data"/>; <paramref name="charts"/> maps a chart file name to its PNG bytes.</summary>
    public static string Render(ReportData data, IReadOnlyDictionary<string, byte[]> charts)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(charts);
        var html = new StringBuilder();
        var decision = data.Decision;
        var title = $"{data.Symbol} {TradingDate.Iso(data.Date)}: {(decision.IsPromoted ? "PROMOTED" : "REJECTED")}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;max-width:1100px;color:#222}")
            .Append("table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}")
            .Append("td.n{text-align:right;font-family:'DejaVu Sans Mono',monospace}.pass{color:#176b2c;font-weight:bold}.fail{color:#b00020;font-weight:bold}")
            .Append(".skip{color:#777}.banner{padding:10px 14px;border-radius:4px;margin:12px 0}.promoted{background:#e3f4e6}.rejected{background:#fde7ea}")
            .Append("img{max-width:100%;border:1px solid #eee;margin:6px 0}small{color:#666}</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n");
        html.Append("<p>Job <code>").Append(E(data.JobId)).Append("</code>, report generated ").Append(E(data.GeneratedAt.ToString("u", CultureInfo.InvariantCulture))).Append(".</p>\n");

        html.Append("<div class=\"banner ").Append(decision.IsPromoted ? "promoted" : "rejected").Append("\"><strong>")
            .Append(decision.IsPromoted ? "Promoted" : "Rejected").Append("</strong><ul>");
        foreach (var reason in decision.Reasons)
        {
            html.Append("<li>").Append(E(reason)).Append("</li>");
        }

        html.Append("</ul></div>\n");
        AppendTestWindow(html, data.Candidate);
        AppendChampion(html, data.Champion);
        AppendChecks(html, decision);
        AppendMetrics(html, data);
        AppendEvidence(html, decision.Evidence);
        AppendPaired(html, data.Paired);
        AppendSensitivity(html, data);

        html.Append("<h2>Charts</h2>\n");
        foreach (var (file, caption) in new[]
        {
            (ReportCharts.EquityFile, "Net equity of candidate, champion (same bars) and the two baselines, all through the same taker execution"),
            (ReportCharts.DrawdownFile, "Drawdown from the running peak"),
            (ReportCharts.CalibrationFile, "Predicted probability against observed frequency on the test part"),
            (ReportCharts.ImportanceFile, "Feature importance (gain) from the trainer"),
        })
        {
            if (charts.TryGetValue(file, out var png))
            {
                html.Append("<figure><img alt=\"").Append(E(caption)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
                    .Append("\"><figcaption><small>").Append(E(caption)).Append("</small></figcaption></figure>\n");
            }
        }

        if (data.Facts.Count > 0)
        {
            html.Append("<h2>Provenance</h2>\n<table>");
            foreach (var (key, value) in data.Facts)
            {
                html.Append("<tr><th>").Append(E(key)).Append("</th><td><code>").Append(E(value)).Append("</code></td></tr>");
            }

            html.Append("</table>\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendTestWindow(StringBuilder html, ModelMetrics candidate)
    {
        html.Append("<h2>Test window</h2>\n<p id=\"test-window\">");
        if (candidate.TestWindow is { } w)
        {
            html.Append(E(w.From.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))).Append(" to ")
                .Append(E(w.To.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))).Append(" (").Append(Number(w.Hours, "0.0")).Append(" h, ")
                .Append(candidate.NTest).Append(" test bars). ");
            html.Append(w.FullDay
                ? "Walk forward: the most recent full day, unseen by training and validation (the days before it), embargoed by the label horizon."
                : "<strong>" + E(TestWindow.ShortNote(w) ?? string.Empty) + "</strong>");
        }
        else
        {
            html.Append("unknown (metrics written before the span was recorded)");
        }

        html.Append("</p>\n");
    }

    private static void AppendPaired(StringBuilder html, PairedTest? paired)
    {
        html.Append("<h2>Paired test against the champion</h2>\n<p id=\"paired\">");
        html.Append(paired is null
            ? "No champion was scored on these bars, so there is no paired test."
            : E(string.Create(CultureInfo.InvariantCulture, $"Diebold–Mariano on {paired.Bars} same bars: candidate − champion = {paired.MeanDifference * 1e4:G4} ± {paired.StandardError * 1e4:G3} bp per bar (Newey–West, lag {paired.Lag}), DM = {paired.Statistic:F2}, one-sided p = {paired.PValue:G3}.")));
        html.Append("</p>\n");
    }

    private static void AppendSensitivity(StringBuilder html, ReportData data)
    {
        if (data.Sensitivity.Count == 0)
        {
            return;
        }

        html.Append("<h2>Cost sensitivity</h2>\n<table id=\"sensitivity\"><tr><th>fee (bps)</th><th>spread</th><th>net return</th><th>Sharpe per bar</th><th>PSR(0)</th><th>trades</th><th>champion net return</th></tr>\n");
        foreach (var s in data.Sensitivity)
        {
            html.Append("<tr><td class=\"n\">").Append(Number(s.FeeBps)).Append(" (").Append(Number(s.FeeMultiple)).Append("×)</td><td>").Append(s.Spread ? "paid" : "not paid")
                .Append("</td><td class=\"n\">").Append(Number(s.TotalReturn, "0.0000%")).Append("</td><td class=\"n\">").Append(Number(s.SharpePerBar, "0.00000"))
                .Append("</td><td class=\"n\">").Append(Number(s.ProbabilisticSharpe, "0.000")).Append("</td><td class=\"n\">").Append(s.Trades)
                .Append("</td><td class=\"n\">").Append(Number(s.ChampionTotalReturn, "0.0000%")).Append("</td></tr>\n");
        }

        html.Append("</table>\n<p><small>The trading threshold follows each cost (the model trades only when its expected move pays the cost); the gate uses the configured row (1×, spread paid).</small></p>\n");
    }

    private static void AppendChampion(StringBuilder html, ChampionScore? champion)
    {
        html.Append("<h2>Champion</h2>\n<p>");
        if (champion is null)
        {
            html.Append("None: this is the symbol's first model, so only the absolute rules apply.");
        }
        else
        {
            html.Append("<code>").Append(E(champion.JobId ?? "unknown")).Append("</code> (")
                .Append(E(champion.Version is { } v ? TradingDate.Iso(v) : "unknown date")).Append("): ")
                .Append(E(champion.Comparison switch
                {
                    ChampionComparison.SameFeatures => "scored on the candidate's test window",
                    ChampionComparison.OwnFeatures => "scored on the candidate's test window with its own features",
                    _ => "NOT comparable",
                }))
                .Append(" — ").Append(E(champion.Reason));
        }

        html.Append("</p>\n");
    }

    private static void AppendChecks(StringBuilder html, PromotionDecision decision)
    {
        html.Append("<h2>Gate checks</h2>\n<table id=\"checks\"><tr><th>check</th><th>result</th><th>observed</th><th>threshold</th><th>why</th></tr>\n");
        foreach (var check in decision.Checks)
        {
            var (css, word) = check.Skipped ? ("skip", "skipped") : check.Passed ? ("pass", "pass") : ("fail", "FAIL");
            html.Append("<tr><td>").Append(E(check.Name)).Append("</td><td class=\"").Append(css).Append("\">").Append(word)
                .Append("</td><td class=\"n\">").Append(Number(check.Observed)).Append("</td><td class=\"n\">").Append(Number(check.Threshold))
                .Append("</td><td>").Append(E(check.Reason)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void AppendMetrics(StringBuilder html, ReportData data)
    {
        var champion = data.Champion is { IsComparable: true } c ? c.Metrics : null;
        var columns = new List<(string Name, ModelMetrics M)> { ("candidate", data.Candidate) };
        if (champion is not null)
        {
            columns.Add(("champion (same window)", champion));
        }

        columns.Add(("no position", data.Baseline));
        if (data.ImbalanceBaseline is { } imbalance)
        {
            columns.Add(("imbalance sign", imbalance));
        }

        html.Append("<h2>Out-of-sample metrics (metrics.json)</h2>\n<table id=\"metrics\"><tr><th>metric</th>");
        foreach (var (name, _) in columns)
        {
            html.Append("<th>").Append(E(name)).Append("</th>");
        }

        html.Append("</tr>\n");
        var rows = new (string Name, Func<ModelMetrics, string> Value)[]
        {
            ("n_test", m => Number(m.NTest)),
            ("accuracy", m => Number(m.Accuracy)),
            ("majority_class_rate", m => Number(m.MajorityClassRate)),
            ("directional_accuracy (hit rate of calls)", m => Number(m.DirectionalAccuracy)),
            ("n_directional (calls)", m => Number(m.NDirectional)),
            ("flat_outcome_calls", m => Number(m.FlatOutcomeCalls)),
            ("directional_ci_low (effective)", m => Number(m.DirectionalCiLow)),
            ("directional_ci_high (effective)", m => Number(m.DirectionalCiHigh)),
            ("pesaran_timmermann p", m => Number(m.DirectionalPtPValue, "G4")),
            ("log_loss", m => Number(m.LogLoss)),
            ("total_return (net)", m => Number(m.TotalReturn)),
            ("mean_return_per_bar ± se", m => $"{Number(m.MeanReturnPerBar, "G4")} ± {Number(m.MeanReturnPerBarSe, "G3")}"),
            ("sharpe_per_bar ± se (Newey–West)", m => $"{Number(m.SharpePerBar, "0.00000")} ± {Number(m.SharpePerBarSe, "0.00000")}"),
            ("probabilistic_sharpe", m => Number(m.ProbabilisticSharpe, "0.0000")),
            ("annualized Sharpe (Lo 2002), span", m => $"{Number(m.SharpeAnnualizedLo, "0.00")} from {Number(m.SpanSeconds / 3600, "0.0")} h"),
            ("max_drawdown", m => Number(m.MaxDrawdown)),
            ("n_trades (book changes)", m => Number(m.NTrades)),
            ("turnover", m => Number(m.Turnover, "0.00")),
            ("n_periods (bars)", m => Number(m.NPeriods)),
            ("predicted up/flat/down", m => $"{m.PredictedClassCounts.Up}/{m.PredictedClassCounts.Flat}/{m.PredictedClassCounts.Down}"),
            ("realized up/flat/down", m => $"{m.RealizedClassCounts.Up}/{m.RealizedClassCounts.Flat}/{m.RealizedClassCounts.Down}"),
        };
        foreach (var (name, value) in rows)
        {
            html.Append("<tr><th>").Append(E(name)).Append("</th>");
            foreach (var (_, m) in columns)
            {
                html.Append("<td class=\"n\">").Append(E(value(m))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        var ev = data.Candidate.Evaluation;
        html.Append("</table>\n<p><small>Returns are fractions (0.01 = 1 %) of a taker: a decision at a bar's close fills at the next bar's touch (")
            .Append(ev.IncludeSpread ? "buy at the ask, sell at the bid" : "at the mid: spread NOT paid").Append(") plus a fee of ")
            .Append(Number(ev.CostBps)).Append(" bps per unit of position change, in ").Append(ev.HorizonBars).Append(" staggered books each holding ")
            .Append(ev.HorizonBars).Append(" bars of ").Append(ev.BarSeconds).Append(" s. Sharpe ratios are per bar; the annualized figure is for display only.</small></p>\n");
    }

    private static void AppendEvidence(StringBuilder html, GateEvidence? e)
    {
        if (e is null)
        {
            return;
        }

        html.Append("<h2>Evidence</h2>\n<table id=\"evidence\">");
        foreach (var (name, value) in new (string, string)[]
        {
            ("label horizon H (bars)", Number(e.HorizonBars)),
            ("directional calls n (hits; with a flat outcome)", $"{e.DirectionalSamples} ({e.DirectionalHits}; {e.FlatOutcomeCalls})"),
            ("effective samples ⌊n/H⌋", Number(e.EffectiveDirectionalSamples)),
            ("Pesaran–Timmermann statistic, one-sided p", $"{Number(e.PesaranTimmermann, "0.000")}, {Number(e.DirectionalPValue, "G4")}"),
            ("hit rate expected without skill (P*)", Number(e.ExpectedHitRate, "0.0000")),
            ("Wilson 95% on effective samples", $"{Number(e.EffectiveCiLow, "0.0000")} – {Number(e.EffectiveCiHigh, "0.0000")}"),
            ("PSR(0) (Newey–West)", Number(e.ProbabilisticSharpe, "0.0000")),
            ("Sharpe per bar ± se, lag, bars, skew, kurtosis", $"{Number(e.SharpePerBar, "0.00000")} ± {Number(e.SharpePerBarSe, "0.00000")}, {e.HacLag}, {e.Periods}, {Number(e.Skewness, "0.00")}, {Number(e.Kurtosis, "0.00")}"),
            ("trials N (ledger), variance of their Sharpe ratios", $"{e.Trials}, {Number(e.SharpeVariance, "G3")}"),
            ("expected max Sharpe of N lucky trials", Number(e.ExpectedMaxSharpe, "0.00000")),
            ("deflated Sharpe ratio", Number(e.DeflatedSharpe, "0.0000")),
        })
        {
            html.Append("<tr><th>").Append(E(name)).Append("</th><td class=\"n\">").Append(E(value)).Append("</td></tr>");
        }

        html.Append("</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
