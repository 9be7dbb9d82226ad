namespace QuantLab.Ml.Pipeline;

/// <summary>What an operator or cron asked run-daily to do.</summary>
public sealed record RunDailyRequest
{
    public required IReadOnlyList<string> Symbols { get; init; }

    /// <summary>The run date; null = yesterday (UTC).</summary>
    public DateOnly? Date { get; init; }

    /// <summary>--date latest: the newest ready day with no finished job.</summary>
    public bool Latest { get; init; }

    public bool DryRun { get; init; }
    public bool SkipPromotion { get; init; }
    public bool Force { get; init; }

    /// <summary>--wait-for-data: how long to keep polling readiness before giving up with "not ready".</summary>
    public TimeSpan? WaitForData { get; init; }

    /// <summary>Local: how many symbols train at once (1 = one after another); ssh, vast: how many are prepared at once for the night.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>--instances: the most machines a night may use at once; null = Batch:MaxInstances.</summary>
    public int? Instances { get; init; }

    /// <summary>--deadline: UTC time of day the night must be done by; null = Batch:Deadline.</summary>
    public TimeOnly? Deadline { get; init; }
}
