using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>The human summary of a run-daily invocation on stdout.</summary>
internal static class RunReport
{
    /// <summary>The summary; <paramref name="logFile"/> is the run's readable log, named on every line of a symbol that did not finish.</summary>
    public static void Write(TextWriter output, RunDailyResult result, string? logFile = null)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var run in result.Runs)
        {
            var date = run.Date is { } d ? TradingDate.Iso(d) : "-";

            // A failure names where to look, so the on-call needs nothing but this line to start.
            var where = run.Status is RunStatus.Failed or RunStatus.NotReady
                ? string.Create(inv, $"  (run {result.RunId}; log {logFile ?? "-"}; quantlab-ml logs {result.RunId})")
                : string.Empty;
            output.WriteLine(string.Create(inv, $"{run.Symbol} {date}: {Status(run.Status)}{(run.JobId is null ? string.Empty : "  " + run.JobId)}{where}"));
            if (run.Candidate is { } c)
            {
                var m = c.Metrics;
                if (c.TestWindow is { } w)
                {
                    output.WriteLine(string.Create(inv, $"  test window {w.From:yyyy-MM-dd'T'HH:mm:ss'Z'} to {w.To:yyyy-MM-dd'T'HH:mm:ss'Z'} ({w.Hours:F1} h{(w.FullDay ? ", full day, walk forward" : string.Empty)})"));
                }

                if (c.TestWindowNote is { } note)
                {
                    output.WriteLine("  WARNING     " + note);
                }

                output.WriteLine(string.Create(NumberText.Invariant, $"  candidate   hit rate {m.DirectionalAccuracy ?? double.NaN:F4} on {m.NDirectional} calls (95% CI {m.DirectionalCiLow:F3}-{m.DirectionalCiHigh:F3} effective)  Sharpe {m.SharpePerBar:G3} ± {m.SharpePerBarSe:G3} per bar  net return {m.TotalReturn:P2}  max drawdown {m.MaxDrawdown:P2}  trades {m.NTrades}"));
                foreach (var b in (ModelMetrics?[])[c.Baseline, c.ImbalanceBaseline])
                {
                    if (b is not null)
                    {
                        output.WriteLine(string.Create(inv, $"  baseline    {PromotionPolicy.BaselineName(b)}: Sharpe {b.SharpePerBar:G3} per bar  net return {b.TotalReturn:P2}"));
                    }
                }

                if (c.ProductionSameWindow is { } p)
                {
                    output.WriteLine(string.Create(inv, $"  production  same bars: hit rate {p.DirectionalAccuracy:F4} on {p.NDirectional} calls  Sharpe {p.SharpePerBar:G3} per bar  net return {p.TotalReturn:P2}"));
                }

                output.WriteLine(string.Create(inv, $"  stored at   {c.StoredAt}"));
            }

            if (run.Promotion is { } promotion)
            {
                var trials = promotion.Trials is { } n ? string.Create(NumberText.Invariant, $" (trial {n} of this symbol, DSR {promotion.DeflatedSharpe ?? double.NaN:F3})") : string.Empty;
                output.WriteLine($"  promotion   {promotion.Decision.Wire().ToUpperInvariant()}{trials}");
                foreach (var reason in promotion.Reasons)
                {
                    output.WriteLine(string.Create(inv, $"    - {reason}"));
                }
            }

            if (run.Plan is { } plan)
            {
                output.WriteLine(string.Create(inv, $"  plan        provider {plan.Provider}; dataset {plan.DatasetBytes / 1024.0 / 1024.0:F1} MiB, {plan.Job.Counts.Train}/{plan.Job.Counts.Valid}/{plan.Job.Counts.Test} rows, {plan.Job.FeatureNames.Count} features"));
                output.WriteLine(string.Create(inv, $"              xgboost {plan.Job.Xgboost.Objective} depth {plan.Job.Xgboost.MaxDepth} eta {plan.Job.Xgboost.Eta} up to {plan.Job.Xgboost.NumBoostRound} rounds; device {plan.Job.Device}; max runtime {Durations.Format(TimeSpan.FromMinutes(plan.Job.Runtime.MaxRuntimeMinutes))}"));
                foreach (var partition in plan.DataPartitions)
                {
                    output.WriteLine(string.Create(inv, $"              data {partition}"));
                }
            }

            foreach (var note in run.DataNotes)
            {
                output.WriteLine(string.Create(inv, $"  data        {note}"));
            }

            if (run.Error is { } error)
            {
                output.WriteLine(string.Create(inv, $"  error       {error}"));
            }
        }

        if (result.Night is { } night)
        {
            WriteNight(output, night);
        }
    }

    /// <summary>The night's plan and its batches, after the per-symbol lines.</summary>
    private static void WriteNight(TextWriter output, NightReport night)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(inv, $"night plan ({night.PriceNote})"));
        output.Write(night.Text);
        foreach (var batch in night.Batches)
        {
            output.WriteLine(string.Create(inv, $"batch {batch.BatchId}{(batch.Requeue ? " (re-queue)" : string.Empty)}: {batch.Trained} trained, {batch.Failed} failed, {batch.Lost} lost: {string.Join(", ", batch.Symbols)}"));
        }
    }

    private static string Status(RunStatus status) => status switch
    {
        RunStatus.Succeeded => "SUCCEEDED",
        RunStatus.Failed => "FAILED",
        RunStatus.Skipped => "SKIPPED (already done)",
        RunStatus.NotReady => "NOT READY",
        RunStatus.Planned => "PLANNED (dry run)",
        RunStatus.Held => "HELD (another run holds the job)",
        _ => status.ToString(),
    };
}
