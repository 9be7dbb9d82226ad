namespace QuantLab.Ml.Dataset;

/// <summary>What <see cref="DatasetBuilder.Build"/> wrote and what the evaluator needs that the trainer must not see.</summary>
public sealed record BuiltDataset
{
    /// <summary>dataset.npz with X_train, y_train, X_valid, y_valid, X_test, feature_names (no test labels).</summary>
    public required string NpzPath { get; init; }

    /// <summary>Lower-case hex SHA-256 of the npz file.</summary>
    public required string Sha256 { get; init; }

    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required DatasetCounts Counts { get; init; }

    /// <summary>Test classes (0 down, 1 flat, 2 up) in row order.</summary>
    public required int[] TestLabels { get; init; }

    /// <summary>Forward mid log returns of the test rows over the horizon.</summary>
    public required double[] TestForwardReturns { get; init; }

    /// <summary>Start (Unix ms) of each test row's bar; its features use the book as of that bar's end.</summary>
    public required long[] TestBarStartMs { get; init; }

    /// <summary>Top of book of the test bars and the horizon after them, for the execution model (never in the npz).</summary>
    public required TestBook TestBook { get; init; }

    /// <summary>Mean forward log return of each class (down, flat, up) on the validation part: what a predicted class is expected to earn.</summary>
    public required double[] ValidMeanMove { get; init; }

    /// <summary>Median half spread (fraction of the mid) on the validation part: the spread cost the trading threshold assumes.</summary>
    public required double ValidHalfSpread { get; init; }

    /// <summary>True when the test part is the window's last full UTC day (walk forward); false for an intra-day test shorter than a day.</summary>
    public required bool WalkForward { get; init; }

    public required ClassCounts TrainClasses { get; init; }
    public required ClassCounts ValidClasses { get; init; }
    public required ClassCounts TestClasses { get; init; }

    /// <summary>The most frequent train class: what a "always predict this" baseline predicts.</summary>
    public required int TrainMajorityClass { get; init; }

    public required int BarSeconds { get; init; }
    public required int BarsBuilt { get; init; }

    /// <summary>Bars at the start dropped because the longest look-back was not complete.</summary>
    public required int WarmupBarsDropped { get; init; }

    /// <summary>Bars at the end dropped because their label horizon runs past the data.</summary>
    public required int HorizonBarsDropped { get; init; }

    /// <summary>Rows dropped between train/valid and valid/test (both embargoes together).</summary>
    public required int EmbargoRowsDropped { get; init; }

    public required long FirstBarStartMs { get; init; }
    public required long LastBarStartMs { get; init; }
}
