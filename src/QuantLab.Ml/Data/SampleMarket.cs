using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// Simulates one day of top-of-book updates: Poisson-like arrivals, a one-tick spread most of the time, the mid moving on about a
/// fifth of updates, lognormal queues driven by a slowly mean-reverting imbalance state, and (in the signal and flow regimes) a
/// next-move direction that leans towards the heavier queue; in the flow regime also a slow order flow that pushes the mid
/// for minutes. Signal and noise days are the same bytes as before the flow regime existed.
/// </summary>
internal static class SampleMarket
{
    /// <summary>Share of updates that move prices while the spread is one tick.</summary>
    private const double PriceMoveProbability = 0.2;

    /// <summary>Share of price moves that widen the spread instead of shifting the book; a wide spread closes again within a few updates.</summary>
    private const double WidenProbability = 0.03;
    private const double NarrowProbability = 0.5;

    /// <summary>P(up) = 0.5 + Lean × imbalance. With the queue model below this gives a directional hit rate of roughly 0.65–0.75 at 10 s.</summary>
    private const double Lean = 0.3;

    /// <summary>
    /// The slow order flow of the flow regime (a large buyer or seller working an order for minutes): a state with this
    /// mean-reversion time that adds FlowLean × flow to P(up). The queues do not show it (a book that did would hand the
    /// edge to the imbalance-sign baseline); the recent returns do. At ~0.8 moves/s of ~1 bp that is a drift of about
    /// 0.3 bp/s per unit of flow, a two-minute expected move of tens of bp while the flow lasts: a strong edge, the kind
    /// that pays a 5 bps taker fee each way. Weaker flows (0.05, 0.12) were tried: one 6-hour training day rarely learns
    /// them (docs/promotion-gate.md, calibration).
    /// </summary>
    private const double FlowTimeConstantSeconds = 300.0;
    private const double FlowLean = 0.2;

    /// <summary>Mean-reversion time of the imbalance state, long enough for one-second bars and their 10–60 bar means to see it.</summary>
    private const double ImbalanceTimeConstantSeconds = 60.0;
    private const double ImbalanceLoading = 0.6;
    private const double QueueNoise = 0.8;

    /// <summary>
    /// Mean size of a mid move in basis points. At a few updates per second each sampled update stands for many exchange ticks,
    /// so a move is many ticks (a 0.1 tick at 60000 is only 0.017 bp). 1 bp per move at ~0.8 moves/s gives a 10-second standard
    /// deviation near 3 bp and a daily volatility near 2.6 %, both typical of BTCUSDT; smaller moves would make every
    /// strategy lose to a 1 bp cost whatever its hit rate.
    /// </summary>
    private const double MeanMoveBps = 1.0;

    /// <summary>One generated day: the BBO columns plus receive times.</summary>
    public sealed record Day(BboColumns Rows, long[] TsRecv);

    public static Day Generate(SampleOptions options, DateOnly date)
    {
        var day = GenerateOwnRows(options, date);
        if (options.SeamOverlap <= TimeSpan.Zero)
        {
            return day;
        }

        // Real partitions can begin shortly before midnight with rows the previous file already has.
        var previous = GenerateOwnRows(options, date.AddDays(-1));
        var prevTs = previous.Rows.TsEvent;
        if (prevTs.Length == 0)
        {
            return day;
        }

        var from = prevTs[^1] - (long)options.SeamOverlap.TotalMilliseconds;
        var first = Array.FindIndex(prevTs, t => t > from);
        return Concat(Slice(previous, first, prevTs.Length - first), day);
    }

    private static Day GenerateOwnRows(SampleOptions options, DateOnly date)
    {
        var symbol = SymbolName.Parse(options.Symbol);
        var exchange = ExchangeName.Parse(options.Exchange);
        var profile = SymbolProfile.For(symbol);
        var rng = new SampleRandom((ulong)options.Seed, SampleRandom.Hash(exchange + "/" + symbol), (ulong)date.DayNumber);
        var lean = options.Regime is SampleRegime.Signal or SampleRegime.Flow ? Lean : 0.0;
        var flowing = options.Regime == SampleRegime.Flow;
        var meanJumpTicks = Math.Max(1.0, MeanMoveBps * 1e-4 * profile.Price / profile.Tick);
        var dayStartMs = TradingDate.StartUnixMs(date);
        var seconds = options.Hours * 3600.0;
        var builder = new Builder((int)((options.Rate * seconds * 1.05) + 1024));

        var bid = (long)Math.Round(profile.Price * Math.Exp(0.01 * rng.Normal()) / profile.Tick);
        // The quoted spread never closes below this many ticks: one, unless a wider market is asked for.
        var minSpread = Math.Max(1, (int)Math.Round(options.SpreadBps * 1e-4 * profile.Price / profile.Tick));
        var spread = minSpread;
        var z = rng.Normal();

        // Drawn only in the flow regime, so the other regimes' random sequence (and bytes) stay as they were.
        var flow = flowing ? rng.Normal() : 0.0;
        double BidQueue() => profile.Qty(rng, +ImbalanceLoading * z, QueueNoise);
        double AskQueue() => profile.Qty(rng, -ImbalanceLoading * z, QueueNoise);
        var bidQty = BidQueue();
        var askQty = AskQueue();
        var seq = ((long)date.DayNumber * 100_000_000) + 1;
        var t = 0.0;
        while (true)
        {
            var gap = rng.Exponential(1.0 / options.Rate);
            t += gap;
            if (t >= seconds)
            {
                break;
            }

            var decay = Math.Exp(-gap / ImbalanceTimeConstantSeconds);
            z = (z * decay) + (Math.Sqrt(1.0 - (decay * decay)) * rng.Normal());
            if (flowing)
            {
                var flowDecay = Math.Exp(-gap / FlowTimeConstantSeconds);
                flow = (flow * flowDecay) + (Math.Sqrt(1.0 - (flowDecay * flowDecay)) * rng.Normal());
            }

            if (rng.NextDouble() < (spread > minSpread ? NarrowProbability : PriceMoveProbability))
            {
                var imbalance = (bidQty - askQty) / (bidQty + askQty);
                var up = rng.NextDouble() < Math.Clamp(0.5 + (lean * imbalance) + (FlowLean * flow), 0.02, 0.98);
                if (spread > minSpread)
                {
                    // Close a wide spread from the side the move points to.
                    bid += up ? 1 : 0;
                    spread--;
                }
                else if (rng.NextDouble() < WidenProbability)
                {
                    bid -= up ? 0 : 1;
                    spread++;
                }
                else
                {
                    var jump = rng.Geometric(meanJumpTicks);
                    bid += up ? jump : -jump;
                }

                bidQty = BidQueue();
                askQty = AskQueue();
            }
            else if (rng.NextDouble() < 0.5)
            {
                bidQty = BidQueue();
            }
            else
            {
                askQty = AskQueue();
            }

            var ts = dayStartMs + (long)(t * 1000.0);
            var latency = 1 + (long)rng.Exponential(3.0);
            builder.Add(ts, seq++, ts + latency, profile.PriceOf(bid), bidQty, profile.PriceOf(bid + spread), askQty);
        }

        return builder.Build();
    }

    private static Day Slice(Day day, int start, int length) => new(
        new BboColumns
        {
            TsEvent = day.Rows.TsEvent.AsSpan(start, length).ToArray(),
            Seq = day.Rows.Seq.AsSpan(start, length).ToArray(),
            BidPrice = day.Rows.BidPrice.AsSpan(start, length).ToArray(),
            BidQty = day.Rows.BidQty.AsSpan(start, length).ToArray(),
            AskPrice = day.Rows.AskPrice.AsSpan(start, length).ToArray(),
            AskQty = day.Rows.AskQty.AsSpan(start, length).ToArray(),
        },
        day.TsRecv.AsSpan(start, length).ToArray());

    private static Day Concat(Day a, Day b) => new(
        new BboColumns
        {
            TsEvent = [.. a.Rows.TsEvent, .. b.Rows.TsEvent],
            Seq = [.. a.Rows.Seq, .. b.Rows.Seq],
            BidPrice = [.. a.Rows.BidPrice, .. b.Rows.BidPrice],
            BidQty = [.. a.Rows.BidQty, .. b.Rows.BidQty],
            AskPrice = [.. a.Rows.AskPrice, .. b.Rows.AskPrice],
            AskQty = [.. a.Rows.AskQty, .. b.Rows.AskQty],
        },
        [.. a.TsRecv, .. b.TsRecv]);

    /// <summary>Price level, tick and queue sizes typical of a symbol.</summary>
    private sealed record SymbolProfile(double Price, double Tick, int PriceDecimals, double MedianQty, int QtyDecimals)
    {
        public static SymbolProfile For(string symbol) => symbol switch
        {
            _ when symbol.StartsWith("btc", StringComparison.Ordinal) => new(60_000, 0.1, 1, 1.5, 3),
            _ when symbol.StartsWith("eth", StringComparison.Ordinal) => new(3_000, 0.01, 2, 15, 3),
            _ when symbol.StartsWith("sol", StringComparison.Ordinal) => new(150, 0.01, 2, 200, 2),
            _ when symbol.StartsWith("ada", StringComparison.Ordinal) => new(0.5, 0.0001, 4, 60_000, 0),
            _ => new(100, 0.01, 2, 500, 2),
        };

        public double PriceOf(long ticks) => Math.Round(ticks * Tick, PriceDecimals);

        public double Qty(SampleRandom rng, double shift, double noise)
        {
            var step = Math.Pow(10, -QtyDecimals);
            return Math.Max(step, Math.Round(MedianQty * Math.Exp(shift + (noise * rng.Normal())), QtyDecimals));
        }
    }

    private sealed class Builder(int capacity)
    {
        private long[] ts = new long[capacity], seq = new long[capacity], recv = new long[capacity];
        private double[] bp = new double[capacity], bq = new double[capacity], ap = new double[capacity], aq = new double[capacity];
        private int count;

        public void Add(long tsEvent, long sequence, long tsRecv, double bidPrice, double bidQty, double askPrice, double askQty)
        {
            if (count == ts.Length)
            {
                var size = Math.Max(1024, count * 2);
                Array.Resize(ref ts, size);
                Array.Resize(ref seq, size);
                Array.Resize(ref recv, size);
                Array.Resize(ref bp, size);
                Array.Resize(ref bq, size);
                Array.Resize(ref ap, size);
                Array.Resize(ref aq, size);
            }

            ts[count] = tsEvent;
            seq[count] = sequence;
            recv[count] = tsRecv;
            bp[count] = bidPrice;
            bq[count] = bidQty;
            ap[count] = askPrice;
            aq[count] = askQty;
            count++;
        }

        public Day Build() => new(
            new BboColumns
            {
                TsEvent = ts[..count],
                Seq = seq[..count],
                BidPrice = bp[..count],
                BidQty = bq[..count],
                AskPrice = ap[..count],
                AskQty = aq[..count],
            },
            recv[..count]);
    }
}
