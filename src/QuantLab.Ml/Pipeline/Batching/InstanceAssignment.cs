namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>The jobs one rented instance trains one after another, in this order.</summary>
public sealed record InstanceAssignment
{
    /// <summary>0-based; the packer fills lower indices first on ties.</summary>
    public required int Index { get; init; }
    public required IReadOnlyList<BatchItem> Items { get; init; }

    /// <summary>Setup + Σ(training + per-job overhead): how long the instance is rented.</summary>
    public required TimeSpan Expected { get; init; }
}
