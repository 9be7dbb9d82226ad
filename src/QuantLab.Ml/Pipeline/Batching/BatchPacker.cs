namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>
/// Longest-processing-time-first packing: the longest job goes to the least loaded instance, which keeps the longest
/// instance within 4/3 of the best possible. Deterministic: the same jobs in any order give the same packing.
/// </summary>
public static class BatchPacker
{
    public static IReadOnlyList<InstanceAssignment> Pack(IReadOnlyList<BatchItem> items, int instances, NightCostModel cost)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        foreach (var item in items)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(item.ExpectedTrainingSeconds, nameof(items));
        }

        var bins = Math.Min(instances, items.Count);
        var loads = new double[bins];
        var placed = new List<BatchItem>[bins];
        for (var i = 0; i < bins; i++)
        {
            placed[i] = [];
        }

        var ordered = items
            .OrderByDescending(i => i.ExpectedTrainingSeconds)
            .ThenBy(i => i.Symbol, StringComparer.Ordinal)
            .ThenBy(i => i.JobId, StringComparer.Ordinal);
        foreach (var item in ordered)
        {
            var target = 0;
            for (var i = 1; i < bins; i++)
            {
                if (loads[i] < loads[target])
                {
                    target = i;
                }
            }

            placed[target].Add(item);
            loads[target] += cost.JobSeconds(item);
        }

        return placed
            .Select((jobs, i) => new InstanceAssignment { Index = i, Items = jobs, Expected = cost.InstanceSetup + TimeSpan.FromSeconds(loads[i]) })
            .ToList();
    }
}
