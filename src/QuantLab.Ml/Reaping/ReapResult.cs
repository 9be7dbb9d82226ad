using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Reaping;

/// <summary>What one reap found and did: every orphan with why and how it ended, and the instances of ours it kept.</summary>
public sealed record ReapResult
{
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required bool DryRun { get; init; }
    public required string LabelPrefix { get; init; }

    /// <summary>Every instance of the account, ours or not.</summary>
    public required int InstancesListed { get; init; }

    /// <summary>Instances carrying our prefix that were orphans, in id order.</summary>
    public required IReadOnlyList<ReapEntry> Orphans { get; init; }

    /// <summary>Instances carrying our prefix that belong to a run that may still be working, in id order.</summary>
    public required IReadOnlyList<ReapEntry> Kept { get; init; }

    /// <summary>Things that went wrong without leaving an instance behind (a record or the audit could not be written).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Orphans that may still be billing because their destroy failed.</summary>
    public int DestroyFailures => Orphans.Count(o => o.Outcome == ReapOutcome.DestroyFailed);
}

/// <summary>One instance of ours as the reap saw it: the columns of the dry-run line, the rule, and the outcome.</summary>
public sealed record ReapEntry
{
    public required long Id { get; init; }
    public string? Label { get; init; }

    /// <summary>actual_status, or "provisioning" while Vast has none yet.</summary>
    public required string Status { get; init; }
    public double? AgeSeconds { get; init; }
    public double? PricePerHour { get; init; }

    /// <summary>Estimated $ spent so far: $/h × age.</summary>
    public double? CostSoFar { get; init; }

    /// <summary>Which rule made it an orphan; null for a kept instance.</summary>
    public OrphanRule? Rule { get; init; }

    /// <summary>Why it is an orphan, or why it was kept, in words.</summary>
    public required string Reason { get; init; }
    public required ReapOutcome Outcome { get; init; }

    /// <summary>The run record (rental attempt) it was matched to, if any.</summary>
    public string? AttemptId { get; init; }
    public string? Error { get; init; }
}

/// <summary>The four ways an instance of ours becomes an orphan, in the order they are checked.</summary>
[JsonConverter(typeof(SnakeCaseNames<OrphanRule>))]
public enum OrphanRule
{
    /// <summary>Its run record says the run ended (destroyed, failed, reaped, destroy_failed) but the instance still exists.</summary>
    RunEnded,

    /// <summary>Older than the maximum age, whatever its records say.</summary>
    MaxAge,

    /// <summary>Its run's lock is missing or stale and the process that rented it is gone.</summary>
    OwnerGone,

    /// <summary>No run record at all, and older than the grace period.</summary>
    NoRecord,
}

/// <summary>What happened to one instance of ours.</summary>
[JsonConverter(typeof(SnakeCaseNames<ReapOutcome>))]
public enum ReapOutcome
{
    /// <summary>A dry run: it would have been destroyed.</summary>
    WouldDestroy,

    /// <summary>Destroyed now, and a re-read confirmed it is gone.</summary>
    Destroyed,

    /// <summary>It was gone by the time we destroyed it (somebody else got there first).</summary>
    AlreadyGone,

    /// <summary>The destroy failed or the instance was still there afterwards: it may still be billing.</summary>
    DestroyFailed,

    /// <summary>Not an orphan: its run may still be working.</summary>
    Kept,
}
