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
        AppendChampion(html, data.Champion);
        AppendChecks(html, decision);
        AppendMetrics(html, data);
        AppendEvidence(html, decision.Evidence);

        html.Append("<h2>Charts</h2>\n");
        foreach (var (file, caption) in new[]
        {
            (ReportCharts.EquityFile, "Equity of candidate, champion (scored on the same window) and baseline, net of costs"),
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

        columns.Add(("baseline", data.Baseline));
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
            ("directional_accuracy", m => Number(m.DirectionalAccuracy)),
            ("n_directional", m => Number(m.NDirectional)),
            ("directional_ci_low", m => Number(m.DirectionalCiLow)),
            ("directional_ci_high", m => Number(m.DirectionalCiHigh)),
            ("log_loss", m => Number(m.LogLoss)),
            ("total_return", m => Number(m.TotalReturn)),
            ("sharpe", m => Number(m.Sharpe)),
            ("sharpe_per_period", m => Number(m.SharpePerPeriod)),
            ("max_drawdown", m => Number(m.MaxDrawdown)),
            ("n_trades", m => Number(m.NTrades)),
            ("n_periods", m => Number(m.NPeriods)),
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

        html.Append("</table>\n<p><small>Returns are fractions (0.01 = 1 %) after a cost of ")
            .Append(Number(data.Candidate.Evaluation.CostBps)).Append(" bps per unit of position change; one period is ")
            .Append(data.Candidate.Evaluation.HorizonBars).Append(" bars of ").Append(data.Candidate.Evaluation.BarSeconds).Append(" s.</small></p>\n");
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
            ("scored directional bars n (hits)", $"{e.DirectionalSamples} ({e.DirectionalHits})"),
            ("effective samples ⌊n/H⌋ (hits)", $"{e.EffectiveDirectionalSamples} ({e.EffectiveDirectionalHits})"),
            ("one-sided binomial p-value", Number(e.BinomialPValue, "G4")),
            ("Wilson 95% on effective samples", $"{Number(e.EffectiveCiLow, "0.0000")} – {Number(e.EffectiveCiHigh, "0.0000")}"),
            ("majority realized direction", $"{e.MajorityDirection.ToString().ToLowerInvariant()} {Number(e.MajorityDirectionRate, "0.0000")}"),
            ("PSR(0)", Number(e.ProbabilisticSharpe, "0.0000")),
            ("per-period Sharpe, periods, skew, kurtosis", $"{Number(e.SharpePerPeriod, "0.0000")}, {e.Periods}, {Number(e.Skewness, "0.00")}, {Number(e.Kurtosis, "0.00")}"),
            ("candidates tried N", Number(e.CandidatesTried)),
            ("expected max Sharpe of N lucky tries", Number(e.ExpectedMaxSharpe, "0.0000")),
            ("deflated Sharpe ratio", Number(e.DeflatedSharpe, "0.0000")),
        })
        {
            html.Append("<tr><th>").Append(E(name)).Append("</th><td class=\"n\">").Append(E(value)).Append("</td></tr>");
        }

        html.Append("</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
