using System.Globalization;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>How long the trainer will take on a symbol's dataset, from its own past runs when there are any.</summary>
public static class TrainingTimeEstimate
{
    /// <summary>Past runs considered: recent enough to reflect today's hardware and config, enough that one odd run does not decide.</summary>
    public const int RecentRuns = 5;

    /// <summary>
    /// Expected trainer seconds for <paramref name="trainRows"/> rows: the median seconds per row of the symbol's most recent
    /// ≤ 5 runs (by FinishedAt) scaled linearly, Source "history of N runs"; with no usable run,
    /// <paramref name="secondsPerMillionRows"/> × rows / 1e6, Source "dataset size". Never below <paramref name="minimumSeconds"/>.
    /// Runs with no rows or a negative or non-finite time are skipped: they say nothing about speed.
    /// </summary>
    public static (double Seconds, string Source) Estimate(
        long trainRows, IReadOnlyList<PastTraining> history, double secondsPerMillionRows, double minimumSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainRows);
        ArgumentNullException.ThrowIfNull(history);
        BatchInputs.NotNegative(secondsPerMillionRows, nameof(secondsPerMillionRows), "seconds per million rows");
        BatchInputs.NotNegative(minimumSeconds, nameof(minimumSeconds), "minimum seconds");

        var perRow = history
            .Where(h => h is not null && h.TrainRows > 0 && double.IsFinite(h.TrainerSeconds) && h.TrainerSeconds >= 0)
            .OrderByDescending(h => h.FinishedAt)
            .Take(RecentRuns)
            .Select(h => h.TrainerSeconds / h.TrainRows)
            .Order()
            .ToList();

        var (seconds, source) = perRow.Count > 0
            ? (Median(perRow) * trainRows, string.Create(CultureInfo.InvariantCulture, $"history of {perRow.Count} run{(perRow.Count == 1 ? string.Empty : "s")}"))
            : (secondsPerMillionRows * trainRows / 1e6, "dataset size");
        return (Math.Max(seconds, minimumSeconds), source);
    }

    private static double Median(List<double> sorted)
    {
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
