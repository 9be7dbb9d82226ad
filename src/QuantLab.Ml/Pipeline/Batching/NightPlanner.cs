using System.Globalization;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>
/// Prices the night for every number of instances from 1 to the most allowed, and picks the cheapest that finishes by
/// the deadline (fewer instances on a tie); when none does, the fastest, and says by how much it misses.
/// </summary>
public static class NightPlanner
{
    public static NightPlan Plan(IReadOnlyList<BatchItem> items, NightCostModel cost, int maxInstances, DateTimeOffset start, DateTimeOffset deadline)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstances, 1);
        if (items.Count == 0)
        {
            throw new ArgumentException("a night needs at least one job", nameof(items));
        }

        var uploadUsd = items.Sum(i => i.DatasetBytes) / 1e9 * cost.UploadUsdPerGb;
        var options = new List<PackingOption>();
        for (var k = 1; k <= Math.Min(maxInstances, items.Count); k++)
        {
            var assignments = BatchPacker.Pack(items, k, cost);
            var wall = assignments.Max(a => a.Expected);
            var finishes = start + wall;
            options.Add(new PackingOption
            {
                Instances = assignments.Count,
                Assignments = assignments,
                Wall = wall,
                CostUsd = (assignments.Sum(a => a.Expected.TotalHours) * cost.DollarsPerHour) + uploadUsd,
                FinishesAt = finishes,
                MeetsDeadline = finishes <= deadline,
            });
        }

        var inTime = options.Where(o => o.MeetsDeadline).ToList();
        var inv = CultureInfo.InvariantCulture;
        if (inTime.Count > 0)
        {
            var chosen = inTime.OrderBy(o => Math.Round(o.CostUsd, 6)).ThenBy(o => o.Instances).First();
            return new NightPlan
            {
                Options = options,
                Chosen = chosen,
                Start = start,
                Deadline = deadline,
                Reason = string.Create(inv, $"{chosen.Instances} instance(s) is the cheapest plan that finishes by {deadline:yyyy-MM-dd HH:mm} UTC (expected {chosen.FinishesAt:yyyy-MM-dd HH:mm}, ${chosen.CostUsd:F2})"),
            };
        }

        var fastest = options.OrderBy(o => o.Wall).ThenBy(o => Math.Round(o.CostUsd, 6)).First();
        return new NightPlan
        {
            Options = options,
            Chosen = fastest,
            Start = start,
            Deadline = deadline,
            Reason = string.Create(inv, $"no plan with at most {maxInstances} instance(s) finishes by {deadline:yyyy-MM-dd HH:mm} UTC: the fastest ({fastest.Instances}) misses it by {(fastest.FinishesAt - deadline).TotalMinutes:F0} min"),
        };
    }
}
