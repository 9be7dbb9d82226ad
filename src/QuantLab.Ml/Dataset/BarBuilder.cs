using System.Globalization;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Dataset;

/// <summary>Phase 1: resamples BBO ticks into bars aligned to multiples of the bar length since the Unix epoch.</summary>
public static class BarBuilder
{
    /// <summary>More bars than this means the timestamps are not milliseconds (or the window is absurd); refuse before allocating.</summary>
    public const int MaxBars = 20_000_000;

    /// <summary>
    /// Bar 0 is the bar holding the first tick and the last bar holds the last tick. A bar carries the last tick with
    /// ts_event before its end; a bar without ticks repeats the previous bar's book with an update count of 0.
    /// Throws <see cref="DatasetException"/> on unordered timestamps, columns of different lengths, or a bar's closing
    /// tick with a non-positive or non-finite price or a negative or non-finite size (earlier ticks of a bar are never used).
    /// </summary>
    public static BarSeries Build(BboColumns ticks, int barSeconds)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentOutOfRangeException.ThrowIfLessThan(barSeconds, 1);
        CheckLengths(ticks);

        long barMs = barSeconds * 1000L;
        var ts = ticks.TsEvent;
        if (ts.Length == 0)
        {
            return Empty(barMs);
        }

        long firstBar = Math.DivRem(ts[0], barMs, out var rem) - (rem < 0 ? 1 : 0);
        long lastBar = Math.DivRem(ts[^1], barMs, out rem) - (rem < 0 ? 1 : 0);
        if (ts[^1] < ts[0])
        {
            throw new DatasetException(Invariant($"ticks are not ordered by ts_event: the last row has {ts[^1]}, before the first row's {ts[0]}"));
        }

        long span = lastBar - firstBar + 1;
        if (span > MaxBars)
        {
            throw new DatasetException(Invariant(
                $"ticks span {span} bars of {barSeconds}s (ts_event {ts[0]} to {ts[^1]}); at most {MaxBars} allowed: ts_event must be Unix milliseconds in order"));
        }

        // Every element is written below; skipping the zeroing matters for multi-day windows.
        int n = (int)span;
        var bidPrice = GC.AllocateUninitializedArray<double>(n);
        var bidQty = GC.AllocateUninitializedArray<double>(n);
        var askPrice = GC.AllocateUninitializedArray<double>(n);
        var askQty = GC.AllocateUninitializedArray<double>(n);
        var mid = GC.AllocateUninitializedArray<double>(n);
        var logMid = GC.AllocateUninitializedArray<double>(n);
        var updates = GC.AllocateUninitializedArray<int>(n);

        ReadOnlySpan<double> bp = ticks.BidPrice, bq = ticks.BidQty, ap = ticks.AskPrice, aq = ticks.AskQty;
        int i = 0;
        long end = (firstBar + 1) * barMs;
        long previousTs = long.MinValue;
        double lastBidPrice = 0, lastBidQty = 0, lastAskPrice = 0, lastAskQty = 0;
        for (int bar = 0; bar < n; bar++, end += barMs)
        {
            int count = 0;
            while (i < ts.Length && ts[i] < end)
            {
                if (ts[i] < previousTs)
                {
                    throw new DatasetException(Invariant($"ticks are not ordered by ts_event: row {i} has {ts[i]} after {previousTs}"));
                }

                previousTs = ts[i];
                count++;
                i++;
            }

            if (count > 0)
            {
                // Only the last tick of the bar matters for the book; validate it where it is used.
                int last = i - 1;
                lastBidPrice = bp[last];
                lastBidQty = bq[last];
                lastAskPrice = ap[last];
                lastAskQty = aq[last];
                CheckTick(last, ts[last], lastBidPrice, lastBidQty, lastAskPrice, lastAskQty);
            }

            bidPrice[bar] = lastBidPrice;
            bidQty[bar] = lastBidQty;
            askPrice[bar] = lastAskPrice;
            askQty[bar] = lastAskQty;
            double m = (lastBidPrice + lastAskPrice) * 0.5;
            mid[bar] = m;
            logMid[bar] = Math.Log(m);
            updates[bar] = count;
        }

        if (i < ts.Length)
        {
            // Ticks left over after the last bar can only come from a later timestamp followed by an earlier one.
            int row = i;
            while (row < ts.Length && ts[row] >= ts[row - 1])
            {
                row++;
            }

            throw new DatasetException(Invariant($"ticks are not ordered by ts_event: row {row} has {ts[Math.Min(row, ts.Length - 1)]} after {ts[row - 1]}"));
        }

        return new BarSeries
        {
            FirstBarStartMs = firstBar * barMs,
            BarMs = barMs,
            BidPrice = bidPrice,
            BidQty = bidQty,
            AskPrice = askPrice,
            AskQty = askQty,
            Mid = mid,
            LogMid = logMid,
            Updates = updates,
        };
    }

    private static void CheckLengths(BboColumns ticks)
    {
        int n = ticks.TsEvent.Length;
        if (ticks.Seq.Length != n || ticks.BidPrice.Length != n || ticks.BidQty.Length != n || ticks.AskPrice.Length != n || ticks.AskQty.Length != n)
        {
            throw new DatasetException(Invariant(
                $"tick columns differ in length: ts_event {n}, seq {ticks.Seq.Length}, bid_price {ticks.BidPrice.Length}, bid_qty {ticks.BidQty.Length}, ask_price {ticks.AskPrice.Length}, ask_qty {ticks.AskQty.Length}"));
        }
    }

    private static void CheckTick(int row, long ts, double bidPrice, double bidQty, double askPrice, double askQty)
    {
        // "!(x > 0)" also catches NaN.
        if (!(bidPrice > 0) || !(askPrice > 0) || double.IsInfinity(bidPrice) || double.IsInfinity(askPrice))
        {
            throw new DatasetException(Invariant($"tick row {row} (ts_event {ts}) has an unusable price: bid {bidPrice}, ask {askPrice}"));
        }

        if (!(bidQty >= 0) || !(askQty >= 0) || double.IsInfinity(bidQty) || double.IsInfinity(askQty))
        {
            throw new DatasetException(Invariant($"tick row {row} (ts_event {ts}) has an unusable size: bid_qty {bidQty}, ask_qty {askQty}"));
        }
    }

    private static BarSeries Empty(long barMs) => new()
    {
        FirstBarStartMs = 0,
        BarMs = barMs,
        BidPrice = [],
        BidQty = [],
        AskPrice = [],
        AskQty = [],
        Mid = [],
        LogMid = [],
        Updates = [],
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
