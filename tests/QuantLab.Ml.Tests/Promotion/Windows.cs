using QuantLab.Ml.Dataset;
using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>Evaluation windows for tests: labels and forward returns with a book of the given mids and spread.</summary>
internal static class Windows
{
    /// <summary>A window whose book sits still at 100 with a 2 bp spread (rows + horizon bars); valid means ∓10 bp.</summary>
    public static EvaluationWindow Flat(int[] labels, double[] forward, int horizon = 10) =>
        With(labels, forward, Enumerable.Repeat(100.0, labels.Length + horizon).ToArray(), spread: 0.02);

    /// <summary>A window over <paramref name="mids"/> (rows + horizon bars) with a constant absolute spread.</summary>
    public static EvaluationWindow With(int[] labels, double[] forward, double[] mids, double spread, double[]? validMeans = null, double validHalfSpread = 1e-4, double[]? imbalance = null) => new()
    {
        Labels = labels,
        ForwardReturns = forward,
        Book = new TestBook
        {
            FirstBarStartMs = 1_700_000_000_000,
            BarMs = 1_000,
            Bid = mids.Select(m => m - (spread / 2)).ToArray(),
            Ask = mids.Select(m => m + (spread / 2)).ToArray(),
            BidQty = (imbalance ?? new double[mids.Length]).Select(i => 1 + i).ToArray(),
            AskQty = (imbalance ?? new double[mids.Length]).Select(i => 1 - i).ToArray(),
        },
        ValidMeanMove = validMeans ?? [-0.001, 0, 0.001],
        ValidHalfSpread = validHalfSpread,
    };
}
