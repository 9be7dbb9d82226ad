namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Expected trainer seconds of a job: from the symbol's own recent runs when there are any, else from its size.</summary>
public static class TrainingTimeEstimate
{
    private const int RecentRuns = 5;

    public static (double Seconds, string Source) Estimate(long trainRows, IReadOnlyList<PastTraining> history, double secondsPerMillionRows, double minimumSeconds)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegative(trainRows);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumSeconds);
        var recent = history
            .Where(h => h.TrainRows > 0 && h.TrainerSeconds > 0)
            .OrderByDescending(h => h.FinishedAt)
            .Take(RecentRuns)
            .Select(h => h.TrainerSeconds / h.TrainRows)
            .Order()
            .ToList();
        if (recent.Count > 0)
        {
            // The median seconds per row resists one slow night (a busy host, a cold cache) better than the mean.
            var mid = recent.Count / 2;
            var perRow = recent.Count % 2 == 1 ? recent[mid] : (recent[mid - 1] + recent[mid]) / 2;
            return (Math.Max(minimumSeconds, perRow * trainRows), $"history of {recent.Count} runs");
        }

        return (Math.Max(minimumSeconds, secondsPerMillionRows * trainRows / 1e6), "dataset size");
    }
}
