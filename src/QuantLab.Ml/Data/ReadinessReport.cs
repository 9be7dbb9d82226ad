using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Verdict on whether a day (or window of days) can be trained on; ordered from best to worst.</summary>
[JsonConverter(typeof(SnakeCaseNames<ReadinessStatus>))]
public enum ReadinessStatus
{
    /// <summary>Compacted, complete and verified against meta.json.</summary>
    Ready,

    /// <summary>Not compacted yet, or compaction still running: try later.</summary>
    NotReady,

    /// <summary>Compacted but unusable (failed partition, bad quality, corrupt or missing files): waiting will not help.</summary>
    Failed,
}

/// <summary>What <see cref="ReadinessChecker"/> found, with a sentence for each thing it checked.</summary>
public sealed record ReadinessReport
{
    public required ReadinessStatus Status { get; init; }

    /// <summary>Human sentences naming what was checked and, when not ready, what failed.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>The verified day of a single-day check when <see cref="Status"/> is Ready; null otherwise and for windows.</summary>
    public DataPartition? Partition { get; init; }

    /// <summary>Every verified day in date order when <see cref="Status"/> is Ready; empty otherwise.</summary>
    public IReadOnlyList<DataPartition> Partitions { get; init; } = [];

    /// <summary>True when a day used is DEGRADED: usable, but the run record must say so.</summary>
    public bool Degraded { get; init; }

    public bool IsReady => Status == ReadinessStatus.Ready;

    /// <summary>The worse of two statuses (Failed beats NotReady beats Ready).</summary>
    public static ReadinessStatus Worst(ReadinessStatus a, ReadinessStatus b) => (ReadinessStatus)Math.Max((int)a, (int)b);

    /// <summary>The status in words for log lines and messages ("not ready", never the enum name "NotReady").</summary>
    public static string Words(ReadinessStatus status) => status switch
    {
        ReadinessStatus.Ready => "ready",
        ReadinessStatus.NotReady => "not ready",
        _ => "failed",
    };
}
