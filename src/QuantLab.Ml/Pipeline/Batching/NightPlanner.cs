using System.Globalization;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Chooses how many instances a night rents: the cheapest packing that finishes by the deadline, else the fastest.</summary>
public static class NightPlanner
{
    /// <summary>
    /// Options for K = 1..min(<paramref name="maxInstances"/>, items); Chosen = the cheapest option that finishes by the
    /// deadline (ties → fewer instances); if none does, the fastest (ties → cheaper, then fewer) with a Reason that says
    /// by how much it misses. A deadline equal to the finish counts as met.
    /// </summary>
    /// <exception cref="ArgumentException">No items: the caller never plans zero jobs.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxInstances"/> below 1.</exception>
    public static NightPlan Plan(
        IReadOnlyList<BatchItem> items, NightCostModel cost, int maxInstances, DateTimeOffset start, DateTimeOffset deadline)
    {
        BatchInputs.Validate(items, nameof(items));
        BatchInputs.Validate(cost, nameof(cost));
        if (items.Count == 0)
        {
            throw new ArgumentException("A night plan needs at least one job.", nameof(items));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstances, 1);

        var uploadUsd = items.Sum(i => (double)i.DatasetBytes) / 1e9 * cost.UploadUsdPerGb;
        var options = Enumerable.Range(1, Math.Min(maxInstances, items.Count))
            .Select(k => Option(BatchPacker.Pack(items, k, cost), cost, uploadUsd, start, deadline))
            .ToList();

        var meeting = options.Where(o => o.MeetsDeadline).ToList();
        var chosen = meeting.Count > 0
            ? meeting.OrderBy(o => o.CostUsd).ThenBy(o => o.Instances).First()
            : options.OrderBy(o => o.Wall).ThenBy(o => o.CostUsd).ThenBy(o => o.Instances).First();

        return new NightPlan
        {
            Options = options,
            Chosen = chosen,
            Start = start,
            Deadline = deadline,
            Reason = Reason(options, chosen, start, deadline),
        };
    }

    private static PackingOption Option(
        IReadOnlyList<InstanceAssignment> assignments, NightCostModel cost, double uploadUsd, DateTimeOffset start, DateTimeOffset deadline)
    {
        var wall = assignments.Max(a => a.Expected);

        // One multiplication over the summed ticks: packings that rent the same total time cost exactly the same,
        // so a tie really is a tie and goes to fewer instances instead of to rounding noise.
        var rentedTicks = assignments.Sum(a => a.Expected.Ticks);
        var finishes = start + wall;
        return new PackingOption
        {
            Instances = assignments.Count,
            Assignments = assignments,
            Wall = wall,
            CostUsd = (rentedTicks / (double)TimeSpan.TicksPerHour * cost.DollarsPerHour) + uploadUsd,
            FinishesAt = finishes,
            MeetsDeadline = finishes <= deadline,
        };
    }

    private static string Reason(IReadOnlyList<PackingOption> options, PackingOption chosen, DateTimeOffset start, DateTimeOffset deadline)
    {
        var c = CultureInfo.InvariantCulture;
        var by = PlanText.Clock(deadline, start);
        var at = PlanText.Clock(chosen.FinishesAt, start);
        var what = PlanText.Instances(chosen.Instances);
        if (!chosen.MeetsDeadline)
        {
            return string.Create(c,
                $"{what}: no option finishes by the {by} deadline; the fastest finishes {at}, {PlanText.Duration(chosen.FinishesAt - deadline)} late");
        }

        var line = string.Create(c,
            $"{what}: the cheapest that finishes by the {by} deadline (finishes {at}, {PlanText.Duration(deadline - chosen.FinishesAt)} to spare)");

        // Say what the saving would have cost in time, so an operator sees why not fewer.
        var cheaper = options.Where(o => o.CostUsd < chosen.CostUsd).OrderBy(o => o.Wall).FirstOrDefault();
        return cheaper is null
            ? line
            : string.Create(c,
                $"{line}; {PlanText.Instances(cheaper.Instances)} would finish {PlanText.Clock(cheaper.FinishesAt, start)}, {PlanText.Duration(cheaper.FinishesAt - deadline)} late");
    }
}
