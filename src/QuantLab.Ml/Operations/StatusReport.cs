using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Operations;

/// <summary>The truth about the nights, per configured symbol: last run, production model, live machines, and whether all is well.</summary>
public sealed record StatusReport
{
    public required DateTimeOffset CheckedAt { get; init; }
    public required string Store { get; init; }

    /// <summary>A last run older than this (by its finish time) is stale.</summary>
    public required double MaxAgeHours { get; init; }

    /// <summary>True when every symbol's last run succeeded (or was skipped as already done) and is fresh.</summary>
    public required bool Healthy { get; init; }
    public required IReadOnlyList<SymbolStatus> Symbols { get; init; }

    /// <summary>False when no live-instance source is wired (instances are then unknown, not zero).</summary>
    public required bool InstancesKnown { get; init; }

    /// <summary>Every live instance (also those no symbol claims); null when unknown.</summary>
    public IReadOnlyList<LiveInstance>? LiveInstances { get; init; }

    /// <summary>Why the instances are unknown, when they are.</summary>
    public string? InstancesNote { get; init; }
}

/// <summary>One symbol's state: healthy or the problems that make it not.</summary>
public sealed record SymbolStatus
{
    public required string Symbol { get; init; }
    public required bool Healthy { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }
    public LastRunStatus? LastRun { get; init; }
    public ProductionStatus? Production { get; init; }

    /// <summary>Live instances attributed to this symbol; null when unknown.</summary>
    public IReadOnlyList<LiveInstance>? LiveInstances { get; init; }
}

/// <summary>The symbol's newest entry in the run log and the candidate it produced.</summary>
public sealed record LastRunStatus
{
    public required string RunId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required double AgeHours { get; init; }

    /// <summary>succeeded, failed, skipped, not_ready.</summary>
    public required string Status { get; init; }
    public DateOnly? Date { get; init; }
    public string? JobId { get; init; }

    /// <summary>promoted, rejected, skipped, or null when no decision was made.</summary>
    public RunDecision? Decision { get; init; }
    public double? CostUsd { get; init; }
    public double DurationSeconds { get; init; }
    public string? Error { get; init; }
    public required string Provider { get; init; }
    public required string Host { get; init; }

    /// <summary>The candidate's out-of-sample metrics, when the run stored one.</summary>
    public KeyMetrics? Candidate { get; init; }
}

/// <summary>The production model of a symbol and how old it is.</summary>
public sealed record ProductionStatus
{
    /// <summary>The candidate day the model was trained for.</summary>
    public required DateOnly Version { get; init; }
    public required string JobId { get; init; }
    public required DateTimeOffset ChangedAt { get; init; }

    /// <summary>Hours since production last changed (promotion or rollback).</summary>
    public required double AgeHours { get; init; }

    /// <summary>promote, forced_promote or rollback.</summary>
    public required string Action { get; init; }
    public KeyMetrics? Metrics { get; init; }
}

/// <summary>The metrics an operator looks at first (fractions: 0.01 = 1 %).</summary>
public sealed record KeyMetrics
{
    public double? DirectionalAccuracy { get; init; }
    public int? NDirectional { get; init; }
    public double? Accuracy { get; init; }
    /// <summary>Per-bar Sharpe ratio net of costs and its Newey–West standard error (null on metrics written before they existed).</summary>
    public double? SharpePerBar { get; init; }

    public double? SharpePerBarSe { get; init; }

    /// <summary>Annualized with Lo's (2002) correction, measured on <see cref="SpanSeconds"/>: display only.</summary>
    public double? SharpeAnnualizedLo { get; init; }

    public double? SpanSeconds { get; init; }
    public double? TotalReturn { get; init; }
    public double? MaxDrawdown { get; init; }
}
