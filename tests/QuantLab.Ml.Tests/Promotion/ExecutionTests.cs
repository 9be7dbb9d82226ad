using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>The taker execution: fills at the next bar's touch, fee per unit of change, staggered books, the cost threshold.</summary>
[Trait("Category", "Unit")]
public sealed class ExecutionTests
{
    private static readonly EvaluationConfig OneBar = new() { HorizonBars = 1, BarSeconds = 1, CostBps = 5 };

    private static float[] AlwaysUp(int rows) => Enumerable.Range(0, rows).SelectMany(_ => new[] { 0f, 0f, 1f }).ToArray();

    [Fact]
    public void A_long_is_bought_at_the_next_ask_marked_at_the_mid_and_sold_at_the_last_bid_with_the_fee_on_each_change()
    {
        // Mids 100, 101, 102, 103 with a 0.2 spread; H = 1, so 3 rows. Row 0 decides long (expected move 1 % > 5 bp + 1 bp),
        // fills at bar 1's ask; row 1 keeps it; row 2's fill bar is the last, where every book is closed at the bid.
        var window = Windows.With([2, 2, 2], [0.01, 0.01, 0.01], [100, 101, 102, 103], spread: 0.2, validMeans: [-0.01, 0, 0.01]);

        var m = MetricsCalculator.Compute(AlwaysUp(3), window, OneBar);

        double[] expected =
        [
            -(5e-4 + (0.1 / 101)),
            (102.0 / 101) - 1,
            ((103.0 / 102) - 1) - (5e-4 + (0.1 / 103)),
        ];
        Assert.Equal(expected.Length, m.PeriodReturns.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], m.PeriodReturns[i], 1e-15);
        }

        Assert.Equal(expected.Aggregate(1.0, (e, r) => e * (1 + r)) - 1, m.TotalReturn, 1e-15);
        Assert.Equal(2, m.NTrades);
        Assert.Equal(2.0, m.Turnover, 1e-12);
    }

    [Fact]
    public void Without_the_spread_the_fill_is_at_the_mid_and_only_the_fee_is_paid()
    {
        var window = Windows.With([2, 2, 2], [0.01, 0.01, 0.01], [100, 101, 102, 103], spread: 0.2, validMeans: [-0.01, 0, 0.01]);

        var m = MetricsCalculator.Compute(AlwaysUp(3), window, OneBar with { IncludeSpread = false });

        Assert.Equal(-5e-4, m.PeriodReturns[0], 1e-15);
        Assert.Equal(((103.0 / 102) - 1) - 5e-4, m.PeriodReturns[2], 1e-15);
    }

    [Fact]
    public void Every_prediction_is_used_by_one_of_H_books_each_holding_one_Hth_of_the_capital()
    {
        // H = 4, 40 rows always up on a rising book: the first four fills each add a quarter, so exposure climbs 1/4, 2/4, ...
        const int h = 4;
        var mids = Enumerable.Range(0, 44).Select(i => 100.0 * Math.Pow(1.001, i)).ToArray();
        var window = Windows.With(Enumerable.Repeat(2, 40).ToArray(), Enumerable.Repeat(0.004, 40).ToArray(), mids, spread: 0, validMeans: [-0.01, 0, 0.01]);
        var config = OneBar with { HorizonBars = h, CostBps = 0 };

        var m = MetricsCalculator.Compute(AlwaysUp(40), window, config);

        Assert.Equal(43, m.NPeriods);
        Assert.Equal(0, m.PeriodReturns[0], 1e-15);                 // bar 1: nothing was held over it yet
        Assert.Equal(0.25 * 0.001, m.PeriodReturns[1], 1e-12);       // one book long over bar 2
        Assert.Equal(0.50 * 0.001, m.PeriodReturns[2], 1e-12);
        Assert.Equal(1.00 * 0.001, m.PeriodReturns[10], 1e-12);      // all four books long
        Assert.Equal(2 * h, m.NTrades);                              // each book enters once and is closed once
        Assert.Equal(2.0, m.Turnover, 1e-12);
    }

    [Fact]
    public void An_edge_smaller_than_the_cost_of_a_change_is_not_traded()
    {
        // Expected move 1 bp; a change costs 5 bp fee + 1 bp half spread (validation): the model stays flat and earns 0.
        var window = Windows.With([2, 2, 2], [0.01, 0.01, 0.01], [100, 101, 102, 103], spread: 0.2, validMeans: [-1e-4, 0, 1e-4]);

        var m = MetricsCalculator.Compute(AlwaysUp(3), window, OneBar);

        Assert.Equal(0, m.NTrades);
        Assert.Equal(0, m.TotalReturn);
        Assert.Equal(3, m.NDirectional); // it still called the direction: the statistics count the calls
    }

    [Fact]
    public void The_same_edge_behind_a_spread_too_wide_to_cross_is_not_traded()
    {
        var narrow = Windows.With([2, 2, 2], [0.01, 0.01, 0.01], [100, 101, 102, 103], spread: 0.2, validMeans: [-0.002, 0, 0.002], validHalfSpread: 1e-4);
        var wide = narrow with { ValidHalfSpread = 0.002 };
        var cheap = OneBar with { CostBps = 0 };

        Assert.Equal(2, MetricsCalculator.Compute(AlwaysUp(3), narrow, cheap).NTrades);
        Assert.Equal(0, MetricsCalculator.Compute(AlwaysUp(3), wide, cheap).NTrades);
    }

    [Theory]
    [InlineData(0.0009, 0, 0)]   // flat, expected 9 bp < 10 bp cost: stay flat
    [InlineData(0.0011, 0, 1)]   // flat, 11 bp pays the entry
    [InlineData(-0.0009, 1, 1)]  // long, −9 bp: exiting costs 10 bp, more than holding loses
    [InlineData(-0.0011, 1, -1)] // long, −11 bp: flipping (11 − 20 = −9) beats exiting (−10) and holding (−11)
    [InlineData(-0.0011, 0, -1)] // flat, −11 bp: the short entry pays
    public void The_position_maximizes_expected_move_minus_the_cost_of_the_change(double expected, int current, int best) =>
        Assert.Equal(best, Execution.BestPosition(expected, current, unitCost: 0.001));

    [Fact]
    public void The_imbalance_baseline_predicts_the_sign_of_the_book_imbalance_and_says_so()
    {
        var imbalance = new[] { 0.5, -0.2, 0, 0.1, 0.3, 0, 0, 0, 0, 0, 0, 0, 0 };
        var window = Windows.With([2, 0, 1], [0.001, -0.001, 0], Enumerable.Repeat(100.0, 13).ToArray(), spread: 0.02, imbalance: imbalance);

        var m = MetricsCalculator.ComputeImbalanceSign(window, SampleMetrics.Evaluation);

        Assert.Equal("imbalance_sign", m.Strategy);
        Assert.Equal((1, 1, 1), (m.PredictedClassCounts.Up, m.PredictedClassCounts.Down, m.PredictedClassCounts.Flat));
        Assert.Equal("imbalance-sign baseline (predicted up 1, down 1, flat 1)", PromotionPolicy.BaselineName(m));
        Assert.True(m.TotalReturn < 0); // a flat market: it only pays spread and fees
    }

    [Fact]
    public void Directional_calls_with_a_flat_outcome_count_and_are_reported()
    {
        // Three up calls: one went up, one stayed in the dead band (+0.1 bp), one did not move at all (a miss).
        var window = Windows.Flat([2, 1, 1], [0.001, 0.00001, 0], horizon: 10);

        var m = MetricsCalculator.Compute(AlwaysUp(3), window, SampleMetrics.Evaluation);

        Assert.Equal(3, m.NDirectional);
        Assert.Equal(2, m.FlatOutcomeCalls);
        Assert.Equal(2.0 / 3, m.DirectionalAccuracy!.Value, 1e-12);
    }
}
