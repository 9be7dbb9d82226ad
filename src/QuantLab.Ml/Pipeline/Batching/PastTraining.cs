namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>A finished training run of a symbol: how many rows it trained on and how long the trainer took.</summary>
public sealed record PastTraining
{
    public required long TrainRows { get; init; }
    public required double TrainerSeconds { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
}
