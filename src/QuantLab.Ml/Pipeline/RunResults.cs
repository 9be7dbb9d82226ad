using System.Text.Json.Serialization;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>The outcome of run-daily: one entry per symbol.</summary>
public sealed record RunDailyResult
{
    public required string RunId { get; init; }
    public required IReadOnlyList<SymbolRunResult> Runs { get; init; }

    /// <summary>For a night on a batching provider (ssh, vast; one symbol is a night of one): how its jobs were (or would be) packed onto machines.</summary>
    public NightReport? Night { get; init; }
}

/// <summary>Status of one symbol's run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("skipped")] Skipped,
    [JsonStringEnumMemberName("not_ready")] NotReady,
    [JsonStringEnumMemberName("planned")] Planned,

    /// <summary>Another live run holds the job's lock (it is still training it): nothing was done, try later.</summary>
    [JsonStringEnumMemberName("held")] Held,
}

/// <summary>One symbol's run: what was trained, how it scored and what was decided.</summary>
public sealed record SymbolRunResult
{
    public required string Symbol { get; init; }
    public DateOnly? Date { get; init; }
    public string? JobId { get; init; }
    public required RunStatus Status { get; init; }
    public CandidateResult? Candidate { get; init; }
    public PromotionResult? Promotion { get; init; }
    public string? Error { get; init; }

    /// <summary>Data readiness reasons (always for not_ready/failed data, and DEGRADED flags).</summary>
    public IReadOnlyList<string> DataNotes { get; init; } = [];

    /// <summary>The plan of a dry run.</summary>
    public RunPlan? Plan { get; init; }
    public double DurationSeconds { get; init; }

    /// <summary>Machines rented for this job (vast provider): id, GPU, $/h, how each ended and what it cost.</summary>
    public IReadOnlyList<RentedInstance> Instances { get; init; } = [];

    /// <summary>What the rentals of this run cost in total (null when nothing was rented); a batch's cost is shared equally by its jobs.</summary>
    public double? CostUsd { get; init; }

    /// <summary>Rows the model was trained on, and the trainer's own seconds: the history the night planner learns from.</summary>
    public long? TrainRows { get; init; }
    public double? TrainerSeconds { get; init; }
}

/// <summary>One rented machine as reported in the run's output.</summary>
public sealed record RentedInstance
{
    public long? InstanceId { get; init; }
    public string? Gpu { get; init; }
    public double? DollarsPerHour { get; init; }
    public required string Status { get; init; }
    public double? CostUsd { get; init; }
    public string? Error { get; init; }

    /// <summary>The batch the instance trained (with this job), and how many jobs it had; null for a single-job rental.</summary>
    public string? BatchId { get; init; }
    public int? BatchJobs { get; init; }
}

/// <summary>The candidate's evaluation on the held-out test part.</summary>
public sealed record CandidateResult
{
    public required ModelMetrics Metrics { get; init; }
    public required ModelMetrics Baseline { get; init; }

    /// <summary>The imbalance-sign baseline through the same execution.</summary>
    public ModelMetrics? ImbalanceBaseline { get; init; }

    /// <summary>The production model re-scored on the same test window, when there is one with the same features.</summary>
    public ModelMetrics? ProductionSameWindow { get; init; }
    public string? StoredAt { get; init; }

    /// <summary>First and last test bar (ISO UTC), and whether the test part is a full day.</summary>
    public TestWindow? TestWindow { get; init; }

    /// <summary>Said plainly when the test window is shorter than a day; null for a full-day walk-forward test.</summary>
    public string? TestWindowNote { get; init; }
}

/// <summary>The promotion decision and its reasons.</summary>
public sealed record PromotionResult
{
    /// <summary>promoted, rejected or skipped (written by those names).</summary>
    public required RunDecision Decision { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Evaluations of a test window of this symbol so far (the trial ledger), this one included.</summary>
    public int? Trials { get; init; }

    /// <summary>The deflated Sharpe ratio over those trials.</summary>
    public double? DeflatedSharpe { get; init; }
}

/// <summary>What a dry run would do.</summary>
public sealed record RunPlan
{
    public required string Provider { get; init; }
    public required JobSpec Job { get; init; }
    public required long DatasetBytes { get; init; }
    public required IReadOnlyList<string> DataPartitions { get; init; }
}
