using QuantLab.Ml.Pipeline.Batching;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

/// <summary>Jobs and cost models small enough to check by hand.</summary>
internal static class BatchingTestData
{
    public static readonly DateTimeOffset Midnight = new(2026, 3, 14, 0, 0, 0, TimeSpan.Zero);

    public static readonly NightCostModel FreeAndInstant = new()
    {
        DollarsPerHour = 1.0,
        InstanceSetup = TimeSpan.Zero,
        PerJobOverhead = TimeSpan.Zero,
    };

    /// <summary>10 min setup, 5 min per job, $0.60/h, $0.01/GB: with <see cref="ThreeJobs"/> K=1 ends 02:25, K=2 01:20, K=3 01:15.</summary>
    public static readonly NightCostModel Rented = new()
    {
        DollarsPerHour = 0.60,
        InstanceSetup = TimeSpan.FromMinutes(10),
        PerJobOverhead = TimeSpan.FromMinutes(5),
        UploadUsdPerGb = 0.01,
    };

    /// <summary>One hour and two half hours of training, 4 GB of datasets in all.</summary>
    public static IReadOnlyList<BatchItem> ThreeJobs() =>
    [
        Item("btcusdt", 3600, 2_000_000_000),
        Item("ethusdt", 1800, 1_000_000_000),
        Item("solusdt", 1800, 1_000_000_000),
    ];

    public static BatchItem Item(string symbol, double seconds, long bytes = 0, string? jobId = null) => new()
    {
        Symbol = symbol,
        JobId = jobId ?? $"job-{symbol}-20260314",
        DatasetBytes = bytes,
        ExpectedTrainingSeconds = seconds,
        EstimateSource = "dataset size",
    };

    public static IReadOnlyList<string> Symbols(InstanceAssignment assignment) => assignment.Items.Select(i => i.Symbol).ToList();
}
