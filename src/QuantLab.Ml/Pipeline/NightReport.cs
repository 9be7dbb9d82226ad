using QuantLab.Ml.Pipeline.Batching;

namespace QuantLab.Ml.Pipeline;

/// <summary>The night's plan (packing, wall time and cost for each number of machines) and how its batches went.</summary>
public sealed record NightReport
{
    public required NightPlan Plan { get; init; }

    /// <summary>The plan as the table --dry-run prints.</summary>
    public required string Text { get; init; }

    /// <summary>Where the $/h came from (the offer), or why costs are unknown.</summary>
    public required string PriceNote { get; init; }

    /// <summary>No machine could be priced (no offer, or the search failed): the night as planned could not rent.</summary>
    public bool NoMachine { get; init; }
    public IReadOnlyList<BatchReport> Batches { get; init; } = [];
}

/// <summary>One machine's batch: its symbols and how their jobs ended there.</summary>
public sealed record BatchReport
{
    public required string BatchId { get; init; }
    public required IReadOnlyList<string> Symbols { get; init; }
    public required int Trained { get; init; }
    public required int Failed { get; init; }
    public required int Lost { get; init; }

    /// <summary>This batch re-ran the unfinished jobs of a lost machine.</summary>
    public bool Requeue { get; init; }
}
