using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class FeatureBuilderTests
{
    /// <summary>Small windows so every feature is computable by hand: warm-up = max(3, 4, 2 - 1, 3 - 1) = 4 bars.</summary>
    private static readonly DatasetConfig Small = new()
    {
        ReturnWindows = [1, 3],
        VolatilityWindows = [2, 4],
        ImbalanceMeanWindows = [2],
        UpdateCountWindows = [3],
        HorizonBars = 2,
    };

    // Per bar: book at the bar's end and how many ticks fall in it (0 = empty bar, book carried forward).
    private static readonly (double Bid, double Ask, double BidQty, double AskQty, int Ticks)[] Book =
    [
        (100.00, 100.02, 1, 1, 1), // 0  mid 100.01
        (100.01, 100.03, 2, 1, 2), // 1  mid 100.02
        (0, 0, 0, 0, 0),           // 2  empty
        (100.02, 100.04, 1, 3, 1), // 3  mid 100.03
        (100.00, 100.02, 4, 4, 3), // 4  mid 100.01
        (100.03, 100.05, 3, 1, 1), // 5  mid 100.04
        (100.04, 100.06, 1, 1, 2), // 6  mid 100.05
        (0, 0, 0, 0, 0),           // 7  empty
        (100.06, 100.07, 0, 2, 1), // 8  mid 100.065, no bids
        (100.05, 100.07, 2, 2, 1), // 9
        (100.05, 100.07, 2, 2, 1), // 10
        (100.04, 100.06, 1, 2, 1), // 11
    ];

    [Fact]
    public void Names_follow_the_configured_windows_in_column_order()
    {
        Assert.Equal(
            ["ret_1", "ret_3", "vol_2", "vol_4", "spread_bps", "imbalance", "imbalance_mean_2", "microprice_minus_mid_bps", "updates_3"],
            FeatureBuilder.Names(Small));
        Assert.Equal(
            ["ret_1", "ret_5", "ret_15", "ret_60", "ret_300", "vol_10", "vol_60", "vol_300", "spread_bps", "imbalance",
             "imbalance_mean_10", "imbalance_mean_60", "microprice_minus_mid_bps", "updates_10", "updates_60"],
            FeatureBuilder.Names(new DatasetConfig()));
    }

    [Fact]
    public void Drops_warm_up_bars_and_bars_without_a_full_horizon()
    {
        var bars = BarBuilder.Build(HandTicks(), 1);

        var features = FeatureBuilder.Build(bars, Small);

        Assert.Equal(4, features.FirstBar);
        Assert.Equal(Book.Length - 4 - 2, features.Rows);
        Assert.Equal(300, FeatureBuilder.WarmupBars(new DatasetConfig()));
    }

    [Fact]
    public void Computes_every_feature_of_a_hand_made_series()
    {
        var features = FeatureBuilder.Build(BarBuilder.Build(HandTicks(), 1), Small);
        var at = (int bar) => Row(features, bar);

        // Bar 6: the book 100.04 / 100.06, sizes 1 / 1, after bars 3 (100.03), 4 (100.01), 5 (100.04).
        var bar6 = at(6);
        Close(Math.Log(100.05 / 100.04), bar6["ret_1"]);
        Close(Math.Log(100.05 / 100.03), bar6["ret_3"]);
        Close(Math.Sqrt(Sq(Math.Log(100.04 / 100.01)) + Sq(Math.Log(100.05 / 100.04))), bar6["vol_2"]);
        Close(Math.Sqrt(Sq(Math.Log(100.03 / 100.02)) + Sq(Math.Log(100.01 / 100.03)) + Sq(Math.Log(100.04 / 100.01)) + Sq(Math.Log(100.05 / 100.04))), bar6["vol_4"]);
        Close(0.02 / 100.05 * 1e4, bar6["spread_bps"]);
        Close(0.0, bar6["imbalance"]);
        Close((0.5 + 0.0) / 2, bar6["imbalance_mean_2"]); // bar 5: (3-1)/(3+1)
        Close(0.0, bar6["microprice_minus_mid_bps"]);
        Close(3 + 1 + 2, bar6["updates_3"]);

        // Bar 5: bid size 3, ask size 1, so the microprice leans to the ask: (100.03·1 + 100.05·3) / 4 = 100.045.
        var bar5 = at(5);
        Close(0.5, bar5["imbalance"]);
        Close((100.045 - 100.04) / 100.04 * 1e4, bar5["microprice_minus_mid_bps"]);
        Close((0.0 + 0.5) / 2, bar5["imbalance_mean_2"]); // bar 4: (4-4)/8
        Close(Math.Log(100.04 / 100.02), bar5["ret_3"]); // bar 2 carries bar 1's mid

        // Bar 7 is empty: same book as bar 6, nothing moved, and it adds no updates.
        var bar7 = at(7);
        Close(0.0, bar7["ret_1"]);
        Close(Math.Abs(Math.Log(100.05 / 100.04)), bar7["vol_2"]);
        Close(0.02 / 100.05 * 1e4, bar7["spread_bps"]);
        Close(1 + 2 + 0, bar7["updates_3"]);

        // Bar 8 has no bids: imbalance -1 and the microprice sits on the bid.
        var bar8 = at(8);
        Close(-1.0, bar8["imbalance"]);
        Close((100.06 - 100.065) / 100.065 * 1e4, bar8["microprice_minus_mid_bps"]);
        Close((0.0 - 1.0) / 2, bar8["imbalance_mean_2"]);
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(120_000)] // ~20,000 bars: rows are filled in parallel blocks, and the seams between blocks are checked too
    public void Matches_a_direct_window_by_window_computation_on_a_random_series(int ticks)
    {
        var config = new DatasetConfig
        {
            ReturnWindows = [1, 4, 9],
            VolatilityWindows = [2, 7],
            ImbalanceMeanWindows = [1, 5],
            UpdateCountWindows = [3, 11],
            HorizonBars = 3,
        };
        var bars = BarBuilder.Build(TickSeries.RandomWalk(ticks, seed: 11), 1);

        var features = FeatureBuilder.Build(bars, config);

        Assert.True(features.Rows > 100);
        for (int row = 0; row < features.Rows; row++)
        {
            int t = features.FirstBar + row;
            var expected = new List<double>();
            expected.AddRange(config.ReturnWindows.Select(w => Math.Log(bars.Mid[t] / bars.Mid[t - w])));
            expected.AddRange(config.VolatilityWindows.Select(w =>
                Math.Sqrt(Enumerable.Range(t - w + 1, w).Sum(k => Sq(Math.Log(bars.Mid[k] / bars.Mid[k - 1]))))));
            expected.Add((bars.AskPrice[t] - bars.BidPrice[t]) / bars.Mid[t] * 1e4);
            expected.Add(Imbalance(bars, t));
            expected.AddRange(config.ImbalanceMeanWindows.Select(w => Enumerable.Range(t - w + 1, w).Average(k => Imbalance(bars, k))));
            double micro = ((bars.BidPrice[t] * bars.AskQty[t]) + (bars.AskPrice[t] * bars.BidQty[t])) / (bars.BidQty[t] + bars.AskQty[t]);
            expected.Add((micro - bars.Mid[t]) / bars.Mid[t] * 1e4);
            expected.AddRange(config.UpdateCountWindows.Select(w => (double)Enumerable.Range(t - w + 1, w).Sum(k => bars.Updates[k])));

            var actual = features.Row(row);
            for (int c = 0; c < expected.Count; c++)
            {
                Close(expected[c], actual[c], $"{features.Names[c]} at bar {t}");
            }
        }
    }

    [Fact]
    public void Features_of_a_bar_never_change_when_later_ticks_change()
    {
        var config = new DatasetConfig
        {
            ReturnWindows = [1, 5, 20],
            VolatilityWindows = [10, 30],
            ImbalanceMeanWindows = [10],
            UpdateCountWindows = [10, 40],
            HorizonBars = 5,
        };
        var ticks = TickSeries.RandomWalk(4_000, seed: 3);
        var bars = BarBuilder.Build(ticks, 1);
        var features = FeatureBuilder.Build(bars, config);
        var labels = LabelBuilder.Build(bars, config);
        var rng = new Random(5);

        for (int i = 0; i < 8; i++)
        {
            int lastRow = rng.Next(features.Rows - 1);
            int t = features.FirstBar + lastRow;
            long cutMs = bars.StartMs(t + 1);
            var perturbed = PerturbFrom(ticks, cutMs, rng);
            var perturbedBars = BarBuilder.Build(perturbed, 1);
            var after = FeatureBuilder.Build(perturbedBars, config);
            var afterLabels = LabelBuilder.Build(perturbedBars, config);

            Assert.Equal(features.Rows, after.Rows);
            Assert.Equal(features.RowSpan(0, lastRow + 1), after.RowSpan(0, lastRow + 1));

            // A label reads horizon bars ahead, so only labels whose window ends by bar t are safe.
            int safeLabels = Math.Max(0, lastRow + 1 - config.HorizonBars);
            Assert.Equal(labels.ForwardReturns.AsSpan(0, safeLabels), afterLabels.ForwardReturns.AsSpan(0, safeLabels));

            // The perturbation did reach the later rows, so the comparison above could have failed.
            Assert.False(features.RowSpan(lastRow + 1, features.Rows - lastRow - 1).SequenceEqual(after.RowSpan(lastRow + 1, after.Rows - lastRow - 1)));
        }
    }

    /// <summary>Moves prices and sizes of every tick at or after <paramref name="cutMs"/> and repeats some of them.</summary>
    private static BboColumns PerturbFrom(BboColumns ticks, long cutMs, Random rng)
    {
        var series = new TickSeries();
        for (int i = 0; i < ticks.Count; i++)
        {
            if (ticks.TsEvent[i] < cutMs)
            {
                series.Add(ticks.TsEvent[i], ticks.BidPrice[i], ticks.BidQty[i], ticks.AskPrice[i], ticks.AskQty[i]);
                continue;
            }

            double shift = 1 + ((rng.NextDouble() - 0.5) * 0.01);
            int copies = rng.Next(3) == 0 ? 2 : 1;
            for (int k = 0; k < copies; k++)
            {
                series.Add(ticks.TsEvent[i], ticks.BidPrice[i] * shift, rng.Next(1, 500), ticks.AskPrice[i] * shift, rng.Next(1, 500));
            }
        }

        return series.Build();
    }

    private static BboColumns HandTicks()
    {
        // Ticks inside a bar before its last one carry a different book: only the last may count.
        var series = new TickSeries();
        long start = TickSeries.Jan1;
        for (int bar = 0; bar < Book.Length; bar++)
        {
            var b = Book[bar];
            for (int k = 0; k < b.Ticks; k++)
            {
                bool last = k == b.Ticks - 1;
                long ts = start + (bar * 1000L) + 100 + (k * 200);
                series.Add(ts, last ? b.Bid : 90, last ? b.BidQty : 77, last ? b.Ask : 91, last ? b.AskQty : 55);
            }
        }

        return series.Build();
    }

    private static Dictionary<string, float> Row(FeatureMatrix features, int bar)
    {
        var row = features.Row(bar - features.FirstBar).ToArray();
        return features.Names.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => row[x.c]);
    }

    private static double Imbalance(BarSeries bars, int t) => (bars.BidQty[t] - bars.AskQty[t]) / (bars.BidQty[t] + bars.AskQty[t]);

    private static double Sq(double x) => x * x;

    /// <summary>Features are float32: compare to the double-precision expectation with float32's relative precision.</summary>
    private static void Close(double expected, float actual, string? what = null)
    {
        double tolerance = (2e-7 * Math.Abs(expected)) + 1e-12;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }
}
