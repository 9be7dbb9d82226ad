using System.Globalization;
using System.Text;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Operations;

/// <summary>Renders the status of the nights in the Prometheus text exposition format (all gauges, one family per block).</summary>
public static class PrometheusTextfile
{
    private static readonly string[] RunStatuses = ["succeeded", "failed", "skipped", "not_ready"];

    /// <summary>Every decision a run can record, then "none" for a run that made none (one series per label value, always all of them).</summary>
    private static readonly string[] Decisions = [.. Enum.GetValues<RunDecision>().Select(d => d.Wire()), "none"];

    public static string Render(StatusReport report, RunInvocation? invocation, BuildInfo build)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(build);
        var f = new Families();
        f.Add("quantlab_ml_build_info", "Version and commit of quantlab-ml that wrote this file.", [("version", build.Version), ("commit", build.Commit)], 1);
        if (invocation is { } inv)
        {
            f.Add("quantlab_ml_run_daily_last_finished_timestamp_seconds", "Unix time the last run-daily invocation ended.", [], inv.FinishedAt.ToUnixTimeMilliseconds() / 1000.0);
            f.Add("quantlab_ml_run_daily_last_success", "1 when the last run-daily invocation finished without a failed or not-ready symbol, else 0.", [], inv.Succeeded ? 1 : 0);
            f.Add("quantlab_ml_run_daily_last_duration_seconds", "Wall time of the last run-daily invocation.", [], inv.DurationSeconds);
        }

        f.Add("quantlab_ml_status_healthy", "1 when every configured symbol's last run succeeded and is fresh (what `quantlab-ml status` exits 0 on).", [], report.Healthy ? 1 : 0);
        foreach (var s in report.Symbols)
        {
            (string, string)[] sym = [("symbol", s.Symbol)];
            f.Add("quantlab_ml_symbol_healthy", "1 when the symbol's last run succeeded and is fresh.", sym, s.Healthy ? 1 : 0);
            if (s.LastRun is { } run)
            {
                f.Add("quantlab_ml_last_run_timestamp_seconds", "Unix time the symbol's last run finished.", sym, run.FinishedAt.ToUnixTimeMilliseconds() / 1000.0);
                foreach (var status in RunStatuses)
                {
                    f.Add("quantlab_ml_last_run_status", "Outcome of the symbol's last run (1 for the current state).", [.. sym, ("status", status)], run.Status == status ? 1 : 0);
                }

                f.Add("quantlab_ml_last_run_duration_seconds", "Wall time of the symbol's last run.", sym, run.DurationSeconds);
                f.Add("quantlab_ml_last_run_cost_usd", "Rented compute cost of the symbol's last run (absent when unknown).", sym, run.CostUsd);
                var decision = run.Decision?.Wire() ?? "none";
                foreach (var d in Decisions)
                {
                    f.Add("quantlab_ml_last_run_promotion", "Promotion decision of the symbol's last run (1 for the current decision).", [.. sym, ("decision", d)], decision == d ? 1 : 0);
                }

                AddMetrics(f, "candidate", "the last run's candidate", sym, run.Candidate);
            }

            if (s.Production is { } p)
            {
                f.Add("quantlab_ml_production_changed_timestamp_seconds", "Unix time production last changed (promotion or rollback).", sym, p.ChangedAt.ToUnixTimeMilliseconds() / 1000.0);
                f.Add("quantlab_ml_production_version_timestamp_seconds", "Unix time (start of the UTC day) of the data day the production model was trained for.", sym,
                    new DateTimeOffset(p.Version.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds());
                AddMetrics(f, "production", "the production model", sym, p.Metrics);
            }

            if (s.LiveInstances is { } live)
            {
                f.Add("quantlab_ml_live_instances", "Rented machines alive now that belong to the symbol's jobs.", sym, live.Count);
            }
        }

        if (report.LiveInstances is { } all)
        {
            f.Add("quantlab_ml_live_instances_total", "Rented machines alive now, attributed to a symbol or not.", [], all.Count);
        }

        return f.ToString();
    }

    private static void AddMetrics(Families f, string prefix, string what, (string, string)[] sym, KeyMetrics? m)
    {
        if (m is null)
        {
            return;
        }

        f.Add($"quantlab_ml_{prefix}_directional_accuracy", $"Out-of-sample directional accuracy of {what}.", sym, m.DirectionalAccuracy);
        f.Add($"quantlab_ml_{prefix}_directional_samples", $"Bars the directional accuracy of {what} was measured on.", sym, m.NDirectional);
        f.Add($"quantlab_ml_{prefix}_sharpe_per_bar", $"Per-bar Sharpe ratio of {what}'s out-of-sample backtest net of spread and fees (not annualized).", sym, m.SharpePerBar);
        f.Add($"quantlab_ml_{prefix}_sharpe_per_bar_se", $"Newey-West standard error of {what}'s per-bar Sharpe ratio.", sym, m.SharpePerBarSe);
        f.Add($"quantlab_ml_{prefix}_total_return", $"Out-of-sample backtest return of {what}, after costs (fraction).", sym, m.TotalReturn);
        f.Add($"quantlab_ml_{prefix}_max_drawdown", $"Out-of-sample backtest maximum drawdown of {what} (fraction).", sym, m.MaxDrawdown);
    }

    /// <summary>Metric families in first-seen order; each family's samples are written together, as the format requires.</summary>
    private sealed class Families
    {
        private readonly List<(string Name, string Help, List<string> Samples)> families = [];

        public void Add(string name, string help, (string Name, string Value)[] labels, double? value)
        {
            if (value is not { } v || double.IsNaN(v))
            {
                return;
            }

            var family = families.FirstOrDefault(x => x.Name == name);
            if (family.Name is null)
            {
                family = (name, help, []);
                families.Add(family);
            }

            var sample = new StringBuilder(name);
            if (labels.Length > 0)
            {
                sample.Append('{').AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")).Append('}');
            }

            family.Samples.Add(sample.Append(' ').Append(Number(v)).ToString());
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (var (name, help, samples) in families)
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
                text.Append("# TYPE ").Append(name).Append(" gauge\n");
                foreach (var sample in samples)
                {
                    text.Append(sample).Append('\n');
                }
            }

            return text.ToString();
        }

        private static string Escape(string value) =>
            value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

        private static string Number(double v) =>
            double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture);
    }
}

/// <summary>The run-daily invocation that is writing the metrics file.</summary>
public sealed record RunInvocation(DateTimeOffset FinishedAt, bool Succeeded, double DurationSeconds);
