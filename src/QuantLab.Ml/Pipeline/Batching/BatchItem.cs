namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>One symbol-day job to place on an instance.</summary>
public sealed record BatchItem
{
    public required string Symbol { get; init; }
    public required string JobId { get; init; }

    /// <summary>Bytes of the dataset sent to the instance; priced by <see cref="NightCostModel.UploadUsdPerGb"/>.</summary>
    public required long DatasetBytes { get; init; }
    public required double ExpectedTrainingSeconds { get; init; }

    /// <summary>Where the estimate came from, e.g. "history of 3 runs" or "dataset size"; shown in the dry run.</summary>
    public required string EstimateSource { get; init; }
}
