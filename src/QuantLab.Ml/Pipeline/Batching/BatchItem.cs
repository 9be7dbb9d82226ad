namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>One symbol-day job to place on an instance, with how long it is expected to train.</summary>
public sealed record BatchItem
{
    public required string Symbol { get; init; }
    public required string JobId { get; init; }
    public required long DatasetBytes { get; init; }
    public required double ExpectedTrainingSeconds { get; init; }

    /// <summary>Where the expectation comes from: "history of N runs" or "dataset size".</summary>
    public required string EstimateSource { get; init; }
}

/// <summary>What an instance costs and how long the fixed parts of a night take on it.</summary>
public sealed record NightCostModel
{
    /// <summary>Per instance: dph_total of the offer it would rent (0 for a host already paid for).</summary>
    public required double DollarsPerHour { get; init; }

    /// <summary>Per instance: provisioning, boot and one bootstrap of the trainer environment.</summary>
    public required TimeSpan InstanceSetup { get; init; }

    /// <summary>Per symbol, besides training: upload, start, polls, download.</summary>
    public required TimeSpan PerJobOverhead { get; init; }

    /// <summary>Bandwidth cost of the datasets sent to the instances (0 when unknown).</summary>
    public double UploadUsdPerGb { get; init; }

    internal double JobSeconds(BatchItem item) => item.ExpectedTrainingSeconds + PerJobOverhead.TotalSeconds;
}

/// <summary>The jobs one instance trains, in order, and how long it is expected to live.</summary>
public sealed record InstanceAssignment
{
    public required int Index { get; init; }
    public required IReadOnlyList<BatchItem> Items { get; init; }

    /// <summary>Set-up plus every job's training and overhead.</summary>
    public required TimeSpan Expected { get; init; }
}

/// <summary>The night with K instances: the packing, its wall time, its cost and whether it makes the deadline.</summary>
public sealed record PackingOption
{
    public required int Instances { get; init; }
    public required IReadOnlyList<InstanceAssignment> Assignments { get; init; }

    /// <summary>The longest instance.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>Every instance's expected life at $/h plus the datasets' bandwidth.</summary>
    public required double CostUsd { get; init; }
    public required DateTimeOffset FinishesAt { get; init; }
    public required bool MeetsDeadline { get; init; }
}

/// <summary>The options for K = 1..N instances, the one chosen, and why.</summary>
public sealed record NightPlan
{
    public required IReadOnlyList<PackingOption> Options { get; init; }
    public required PackingOption Chosen { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public required string Reason { get; init; }
}

/// <summary>A past training of a symbol: rows trained on and the trainer's own seconds.</summary>
public sealed record PastTraining
{
    public required long TrainRows { get; init; }
    public required double TrainerSeconds { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
}
