using System.Globalization;
using System.Text;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>The <c>run-daily --dry-run</c> text of a night plan: every instance count, the chosen packing and why.</summary>
public static class NightPlanTable
{
    /// <summary>
    /// One row per instance count (wall, finish in UTC, cost, meets deadline, a marker on the chosen one), then the chosen
    /// packing with each instance's symbols and expected seconds, then the reason. Plain ASCII, invariant culture,
    /// the same text for the same plan.
    /// </summary>
    public static string Render(NightPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var c = CultureInfo.InvariantCulture;
        var jobs = plan.Chosen.Assignments.Sum(a => a.Items.Count);
        var sb = new StringBuilder();
        sb.Append(string.Create(c,
            $"night plan: {jobs} job{(jobs == 1 ? string.Empty : "s")}, start {PlanText.Clock(plan.Start, plan.Start)}, deadline {PlanText.Clock(plan.Deadline, plan.Start)}\n"));

        sb.Append(TextTable.Render(
            ["INSTANCES", "WALL", "FINISHES", "COST $", "MEETS DEADLINE", string.Empty],
            [true, true, false, true, false, false],
            plan.Options.Select(o => (IReadOnlyList<string>)
            [
                o.Instances.ToString(c),
                PlanText.Duration(o.Wall),
                PlanText.Clock(o.FinishesAt, plan.Start),
                o.CostUsd.ToString("0.00", c),
                o.MeetsDeadline ? "yes" : "no",
                o.Instances == plan.Chosen.Instances ? "<- chosen" : string.Empty,
            ])));

        sb.Append('\n').Append(string.Create(c, $"chosen packing: {PlanText.Instances(plan.Chosen.Instances)}\n"));
        sb.Append(TextTable.Render(
            ["INSTANCE", "EXPECTED", "SYMBOL", "TRAIN S", "ESTIMATE", "JOB"],
            [true, true, false, true, false, false],
            plan.Chosen.Assignments.SelectMany(a => a.Items.Select((item, n) => (IReadOnlyList<string>)
            [
                // The instance and its total only on its first row, so each instance reads as a block.
                n == 0 ? a.Index.ToString(c) : string.Empty,
                n == 0 ? PlanText.Duration(a.Expected) : string.Empty,
                item.Symbol,
                item.ExpectedTrainingSeconds.ToString("0", c),
                item.EstimateSource,
                item.JobId,
            ]))));

        sb.Append('\n').Append("reason: ").Append(plan.Reason).Append('\n');
        return sb.ToString();
    }
}
