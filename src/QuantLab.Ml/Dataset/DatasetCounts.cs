namespace QuantLab.Ml.Dataset;

/// <summary>Rows in each part of the dataset.</summary>
public sealed record DatasetCounts
{
    public required int Train { get; init; }
    public required int Valid { get; init; }
    public required int Test { get; init; }
}
