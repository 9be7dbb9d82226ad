namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Packs a night's jobs onto a fixed number of instances, longest first onto the least loaded one.</summary>
public static class BatchPacker
{
    /// <summary>
    /// Longest-processing-time-first: items sorted by expected training seconds descending, then Symbol, then JobId (ordinal),
    /// so the same jobs in any order pack the same way; each goes to the instance with the least expected load so far
    /// (ties: lowest index). Never more instances than items, no empty instance; within an instance items keep their
    /// assignment order. No items → no assignments.
    /// </summary>
    public static IReadOnlyList<InstanceAssignment> Pack(IReadOnlyList<BatchItem> items, int instances, NightCostModel cost)
    {
        BatchInputs.Validate(items, nameof(items));
        BatchInputs.Validate(cost, nameof(cost));
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);

        var count = Math.Min(instances, items.Count);
        var queues = Enumerable.Range(0, count).Select(_ => new List<BatchItem>()).ToList();

        // Loads in TimeSpan (whole ticks) so comparisons and the reported Expected are exact and agree with each other.
        var loads = new TimeSpan[count];
        var ordered = items
            .OrderByDescending(i => i.ExpectedTrainingSeconds)
            .ThenBy(i => i.Symbol, StringComparer.Ordinal)
            .ThenBy(i => i.JobId, StringComparer.Ordinal);
        foreach (var item in ordered)
        {
            var target = 0;
            for (var i = 1; i < count; i++)
            {
                if (loads[i] < loads[target])
                {
                    target = i;
                }
            }

            queues[target].Add(item);
            loads[target] += Duration(item, cost);
        }

        return queues.Select((q, i) => new InstanceAssignment { Index = i, Items = q, Expected = cost.InstanceSetup + loads[i] }).ToList();
    }

    /// <summary>What one job adds to its instance: training plus the fixed per-job overhead.</summary>
    private static TimeSpan Duration(BatchItem item, NightCostModel cost) =>
        TimeSpan.FromSeconds(item.ExpectedTrainingSeconds) + cost.PerJobOverhead;
}
