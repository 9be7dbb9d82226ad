namespace QuantLab.Ml.Dataset;

/// <summary>
/// The top of book at the end of every bar of the test part and the horizon after it (test rows + horizon bars), kept by
/// the orchestrator for the execution model: a decision at a bar's close fills at the next bar's touch (buy at the ask,
/// sell at the bid), and positions are marked at the mid. Never given to the trainer.
/// </summary>
public sealed record TestBook
{
    /// <summary>Start (Unix ms) of bar 0, the first test bar.</summary>
    public required long FirstBarStartMs { get; init; }

    public required long BarMs { get; init; }
    public required double[] Bid { get; init; }
    public required double[] Ask { get; init; }
    public required double[] BidQty { get; init; }
    public required double[] AskQty { get; init; }

    public int Count => Bid.Length;

    public double Mid(int bar) => (Bid[bar] + Ask[bar]) / 2;

    /// <summary>Half the quoted spread as a fraction of the mid: what a taker pays per unit of position change over the mid.</summary>
    public double HalfSpread(int bar) => (Ask[bar] - Bid[bar]) / (Ask[bar] + Bid[bar]);

    /// <summary>Top-of-book imbalance (bid qty − ask qty) / (bid qty + ask qty), in [−1, 1]; 0 on an empty book.</summary>
    public double Imbalance(int bar)
    {
        var total = BidQty[bar] + AskQty[bar];
        return total > 0 ? (BidQty[bar] - AskQty[bar]) / total : 0;
    }

    /// <summary>Bars [first, first + count) of <paramref name="bars"/>, clipped to the series.</summary>
    public static TestBook Slice(BarSeries bars, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(bars);
        count = Math.Min(count, bars.Count - first);
        return new TestBook
        {
            FirstBarStartMs = bars.StartMs(first),
            BarMs = bars.BarMs,
            Bid = bars.BidPrice.AsSpan(first, count).ToArray(),
            Ask = bars.AskPrice.AsSpan(first, count).ToArray(),
            BidQty = bars.BidQty.AsSpan(first, count).ToArray(),
            AskQty = bars.AskQty.AsSpan(first, count).ToArray(),
        };
    }
}
