namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>The night packed onto a given number of instances: how long it takes, what it costs, whether it is done in time.</summary>
public sealed record PackingOption
{
    public required int Instances { get; init; }
    public required IReadOnlyList<InstanceAssignment> Assignments { get; init; }

    /// <summary>The longest instance: they all start together.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>Σ instances' expected hours × $/h + uploaded bytes × $/GB; unrounded.</summary>
    public required double CostUsd { get; init; }

    /// <summary>Start + <see cref="Wall"/>.</summary>
    public required DateTimeOffset FinishesAt { get; init; }

    /// <summary>Finishes at or before the deadline.</summary>
    public required bool MeetsDeadline { get; init; }
}
