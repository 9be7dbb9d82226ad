namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Every packing considered for a night, the one chosen and, in one line, why.</summary>
public sealed record NightPlan
{
    /// <summary>One option per instance count, 1..min(max instances, jobs), in that order.</summary>
    public required IReadOnlyList<PackingOption> Options { get; init; }
    public required PackingOption Chosen { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>One line: why this many instances.</summary>
    public required string Reason { get; init; }
}
