using System.Globalization;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Reaping;

/// <summary>The reap as people read it: one line per orphan (id, label, status, age, $/h, cost so far, reason) and a summary.</summary>
public static class ReapTable
{
    public static string Render(ReapResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        // A dry run shows exactly the seven columns of the issue; a real reap adds how each destroy ended.
        var dry = result.DryRun;
        string[] headers = dry
            ? ["ID", "LABEL", "STATUS", "AGE", "$/H", "COST SO FAR", "REASON"]
            : ["ID", "LABEL", "STATUS", "AGE", "$/H", "COST SO FAR", "OUTCOME", "REASON"];
        bool[] right = dry ? [true, false, false, true, true, true, false] : [true, false, false, true, true, true, false, false];
        var text = result.Orphans.Count == 0
            ? string.Empty
            : TextTable.Render(headers, right, result.Orphans.Select(o =>
            {
                List<string> cells =
                [
                    o.Id.ToString(c),
                    string.IsNullOrEmpty(o.Label) ? "-" : o.Label,
                    o.Status,
                    o.AgeSeconds is { } a ? InstanceTable.FormatAge(TimeSpan.FromSeconds(a)) : "-",
                    o.PricePerHour?.ToString("0.000", c) ?? "-",
                    o.CostSoFar?.ToString("0.00", c) ?? "-",
                ];
                if (!dry)
                {
                    cells.Add(Outcome(o.Outcome));
                }

                cells.Add(o.Error is null ? o.Reason : $"{o.Reason}; {o.Error}");
                return (IReadOnlyList<string>)cells;
            }));
        return text + Summary(result) + "\n";
    }

    public static string Summary(ReapResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var ours = result.Orphans.Count + result.Kept.Count;
        var head = string.Create(CultureInfo.InvariantCulture, $"{result.InstancesListed} instances listed, {ours} labelled {result.LabelPrefix}, {result.Kept.Count} kept");
        if (result.DryRun)
        {
            return string.Create(CultureInfo.InvariantCulture, $"dry run: {head}; {result.Orphans.Count} would be destroyed, nothing was destroyed");
        }

        var destroyed = result.Orphans.Count(o => o.Outcome is ReapOutcome.Destroyed or ReapOutcome.AlreadyGone);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{head}; {destroyed} orphans destroyed");
        return result.DestroyFailures == 0
            ? summary
            : string.Create(CultureInfo.InvariantCulture, $"{summary}; {result.DestroyFailures} could NOT be destroyed and may still be billing");
    }

    private static string Outcome(ReapOutcome outcome) => outcome switch
    {
        ReapOutcome.Destroyed => "destroyed",
        ReapOutcome.AlreadyGone => "already gone",
        ReapOutcome.DestroyFailed => "FAILED",
        ReapOutcome.Kept => "kept",
        _ => "destroy",
    };
}
