using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Promotion;

/// <summary>What the orchestrator kept of a dataset to score models on its test part; the trainer never sees any of it.</summary>
public sealed record EvaluationWindow
{
    /// <summary>Test classes (0 down, 1 flat, 2 up) in row order.</summary>
    public required int[] Labels { get; init; }

    /// <summary>Forward mid log returns of the test rows over the horizon.</summary>
    public required double[] ForwardReturns { get; init; }

    /// <summary>Top of book of the test bars and the horizon after them.</summary>
    public required TestBook Book { get; init; }

    /// <summary>Mean forward log return of each class on the validation part (down, flat, up).</summary>
    public required double[] ValidMeanMove { get; init; }

    /// <summary>Median half spread on the validation part, as a fraction of the mid.</summary>
    public required double ValidHalfSpread { get; init; }

    /// <summary>The test part's span.</summary>
    public TestWindow? Span { get; init; }

    /// <summary>The test part of a built dataset.</summary>
    public static EvaluationWindow Of(BuiltDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var starts = dataset.TestBarStartMs;
        return new EvaluationWindow
        {
            Labels = dataset.TestLabels,
            ForwardReturns = dataset.TestForwardReturns,
            Book = dataset.TestBook,
            ValidMeanMove = dataset.ValidMeanMove,
            ValidHalfSpread = dataset.ValidHalfSpread,
            Span = starts.Length == 0
                ? null
                : new TestWindow(DateTimeOffset.FromUnixTimeMilliseconds(starts[0]), DateTimeOffset.FromUnixTimeMilliseconds(starts[^1])) { FullDay = dataset.WalkForward },
        };
    }
}
