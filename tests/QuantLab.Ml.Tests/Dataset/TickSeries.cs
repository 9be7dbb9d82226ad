using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

/// <summary>Builds BBO tick columns in memory for the dataset tests.</summary>
internal sealed class TickSeries
{
    /// <summary>2026-01-01T00:00:00Z in Unix milliseconds.</summary>
    public const long Jan1 = 1_767_225_600_000;

    /// <summary>Short windows and horizon, so a few thousand ticks make a dataset with every part.</summary>
    public static readonly DatasetConfig SmallConfig = new()
    {
        ReturnWindows = [1, 5, 30],
        VolatilityWindows = [10, 30],
        ImbalanceMeanWindows = [10],
        UpdateCountWindows = [10],
        HorizonBars = 5,
    };

    private readonly List<long> ts = [];
    private readonly List<double> bid = [];
    private readonly List<double> bidQty = [];
    private readonly List<double> ask = [];
    private readonly List<double> askQty = [];

    public TickSeries Add(long tsMs, double bidPrice, double bidSize, double askPrice, double askSize)
    {
        ts.Add(tsMs);
        bid.Add(bidPrice);
        bidQty.Add(bidSize);
        ask.Add(askPrice);
        askQty.Add(askSize);
        return this;
    }

    public BboColumns Build() => new()
    {
        TsEvent = [.. ts],
        Seq = [.. Enumerable.Range(0, ts.Count).Select(i => (long)i)],
        BidPrice = [.. bid],
        BidQty = [.. bidQty],
        AskPrice = [.. ask],
        AskQty = [.. askQty],
    };

    /// <summary>
    /// A seeded random walk shaped like real BBO data: a one-tick spread most of the time, the mid moving on about a
    /// fifth of the updates, bursts of updates in one millisecond and occasional multi-second silences (empty bars).
    /// </summary>
    public static BboColumns RandomWalk(int count, int seed, long startMs = Jan1, double meanGapMs = 170)
    {
        var rng = new Random(seed);
        var ts = new long[count];
        var bid = new double[count];
        var bidQty = new double[count];
        var ask = new double[count];
        var askQty = new double[count];
        long now = startMs + rng.Next(1000);
        long bidTicks = 10_000;
        for (int i = 0; i < count; i++)
        {
            double u = rng.NextDouble();
            now += u < 0.01 ? rng.Next(2_000, 9_000) : (long)(-Math.Log(1 - rng.NextDouble()) * meanGapMs);
            if (rng.NextDouble() < 0.2)
            {
                bidTicks += rng.Next(2) == 0 ? -1 : 1;
            }

            int spread = rng.NextDouble() < 0.95 ? 1 : 2;
            ts[i] = now;
            bid[i] = bidTicks * 1e-4;
            ask[i] = (bidTicks + spread) * 1e-4;
            bidQty[i] = rng.Next(1, 10_000);
            askQty[i] = rng.Next(1, 10_000);
        }

        return new BboColumns
        {
            TsEvent = ts,
            Seq = [.. Enumerable.Range(0, count).Select(i => (long)i)],
            BidPrice = bid,
            BidQty = bidQty,
            AskPrice = ask,
            AskQty = askQty,
        };
    }
}
