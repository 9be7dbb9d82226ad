using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using static QuantLab.Ml.Promotion.PriceMove;

namespace QuantLab.Ml.Tests.Promotion;

[Trait("Category", "Unit")]
public sealed class MetricsCalculatorTests
{
    private static readonly EvaluationConfig EveryBarNoCost = new() { HorizonBars = 1, BarSeconds = 60, CostBps = 0 };

    /// <summary>Probability rows giving 0.8 to the predicted class and 0.1 to each other one.</summary>
    private static float[] Rows(params PriceMove[] predicted) =>
        predicted.SelectMany(p => Enumerable.Range(0, 3).Select(c => c == (int)p ? 0.8f : 0.1f)).ToArray();

    private static int[] Labels(params PriceMove[] labels) => labels.Select(l => (int)l).ToArray();

    /// <summary>A forward log return consistent with the label (±1 %, or 0 for flat).</summary>
    private static double[] ReturnsFor(int[] labels) => labels.Select(l => l switch { 2 => Math.Log(1.01), 0 => Math.Log(0.99), _ => 0.0 }).ToArray();

    [Fact]
    public void Counts_accuracy_directional_hits_and_classes_as_by_hand()
    {
        var predicted = Rows(Up, Up, Down, Down, Flat, Up, Down, Flat);
        var labels = Labels(Up, Down, Down, Flat, Up, Up, Up, Flat);

        var m = MetricsCalculator.Compute(predicted, labels, ReturnsFor(labels), EveryBarNoCost);

        // Matches at rows 0, 2, 5, 7. Both non-flat at rows 0 (hit), 1 (miss), 2 (hit), 5 (hit), 6 (miss).
        Assert.Equal(8, m.NTest);
        Assert.Equal(4.0 / 8, m.Accuracy);
        Assert.Equal(5, m.NDirectional);
        Assert.Equal(3.0 / 5, m.DirectionalAccuracy);
        var ci = Statistics.WilsonInterval(3, 5);
        Assert.Equal(ci.Low, m.DirectionalCiLow);
        Assert.Equal(ci.High, m.DirectionalCiHigh);
        Assert.Equal(new ClassCounts { Down = 3, Flat = 2, Up = 3 }, m.PredictedClassCounts);
        Assert.Equal(new ClassCounts { Down = 2, Flat = 2, Up = 4 }, m.RealizedClassCounts);
        Assert.Equal(Up, m.MajorityClass);
        Assert.Equal(4.0 / 8, m.MajorityClassRate);

        // The realized class got 0.8 on the 4 correct rows and 0.1 on the 4 others (float32 probabilities).
        var expectedLogLoss = ((4 * -Math.Log(0.8f)) + (4 * -Math.Log(0.1f))) / 8;
        Assert.Equal(expectedLogLoss, m.LogLoss!.Value, 1e-12);
    }

    [Fact]
    public void Decides_only_every_horizon_bars_and_holds_for_one_horizon()
    {
        // H = 3 over 7 bars: decisions at bars 0 (up), 3 (down) and 6 (flat); the other bars say the opposite and must be ignored.
        var config = new EvaluationConfig { HorizonBars = 3, BarSeconds = 1, CostBps = 0 };
        var predicted = Rows(Up, Down, Down, Down, Up, Up, Flat);
        var labels = Labels(Up, Flat, Flat, Down, Flat, Flat, Flat);
        double[] forward = [Math.Log(1.01), 0, 0, Math.Log(0.98), 0, 0, 0];

        var m = MetricsCalculator.Compute(predicted, labels, forward, config);

        Assert.Equal(3, m.NPeriods);
        Assert.Equal(new[] { 0.01, 0.02, 0.0 }, m.PeriodReturns.Select(r => Math.Round(r, 12)));
        Assert.Equal((1.01 * 1.02) - 1, m.TotalReturn, 1e-12);
        Assert.Equal(3, m.NTrades); // flat→long, long→short, short→flat
    }

    [Fact]
    public void Long_to_short_flip_costs_two_units()
    {
        // 10 bps per unit, prices unchanged: entering long costs 1 unit, flipping to short 2, going flat 1.
        var config = new EvaluationConfig { HorizonBars = 1, BarSeconds = 1, CostBps = 10 };
        var labels = Labels(Flat, Flat, Flat);

        var m = MetricsCalculator.Compute(Rows(Up, Down, Flat), labels, [0, 0, 0], config);

        Assert.Equal(new[] { -0.001, -0.002, -0.001 }, m.PeriodReturns.Select(r => Math.Round(r, 12)));
        Assert.Equal((0.999 * 0.998 * 0.999) - 1, m.TotalReturn, 1e-12);
        Assert.Equal(3, m.NTrades);
    }

    [Fact]
    public void Position_still_open_after_the_last_period_is_closed_and_charged()
    {
        var config = new EvaluationConfig { HorizonBars = 1, BarSeconds = 1, CostBps = 10 };

        var m = MetricsCalculator.Compute(Rows(Up, Up), Labels(Flat, Flat), [0, 0], config);

        Assert.Equal(new[] { -0.001, -0.001 }, m.PeriodReturns.Select(r => Math.Round(r, 12)));
        Assert.Equal(2, m.NTrades); // entry and final exit
    }

    [Fact]
    public void Drawdown_and_sharpe_of_a_hand_made_return_series()
    {
        // Daily periods (365 a year), always long, returns +10 %, −20 %, +5 %, +10 %.
        // Equity 1.1, 0.88, 0.924, 1.0164: the deepest fall is from the 1.1 peak to 0.88, i.e. 20 % of the peak.
        // Mean 0.0125; deviations 0.0875, −0.2125, 0.0375, 0.0875; squares sum 0.061875; sample variance 0.061875 / 3.
        var config = new EvaluationConfig { HorizonBars = 1, BarSeconds = 86_400, CostBps = 0 };
        var labels = Labels(Up, Down, Up, Up);
        double[] forward = [Math.Log(1.10), Math.Log(0.80), Math.Log(1.05), Math.Log(1.10)];

        var m = MetricsCalculator.Compute(Rows(Up, Up, Up, Up), labels, forward, config);

        Assert.Equal(0.2, m.MaxDrawdown, 1e-12);
        Assert.Equal(0.0164, m.TotalReturn, 1e-12);
        var perPeriod = 0.0125 / Math.Sqrt(0.061875 / 3);
        Assert.Equal(perPeriod, m.SharpePerPeriod, 1e-12);
        Assert.Equal(perPeriod * Math.Sqrt(365), m.Sharpe, 1e-10);
        Assert.Equal(4, m.NPeriods);
    }

    [Fact]
    public void Sharpe_annualizes_by_periods_of_one_horizon()
    {
        // 10 bars of 1 s per period: 365·86400/10 = 3 153 600 periods a year.
        var config = new EvaluationConfig { HorizonBars = 10, BarSeconds = 1 };
        Assert.Equal(3_153_600, config.PeriodsPerYear, 1e-6);
    }

    [Fact]
    public void Model_that_never_trades_has_zero_return_sharpe_and_drawdown()
    {
        var labels = Labels(Up, Down, Flat, Up);

        var m = MetricsCalculator.Compute(Rows(Flat, Flat, Flat, Flat), labels, ReturnsFor(labels), EveryBarNoCost);

        Assert.Equal(0.0, m.TotalReturn);
        Assert.Equal(0.0, m.Sharpe);
        Assert.Equal(0.0, m.MaxDrawdown);
        Assert.Equal(0, m.NTrades);
        Assert.Equal(0, m.NDirectional);
        Assert.Null(m.DirectionalAccuracy);
        Assert.Equal(0.0, m.DirectionalCiLow);
        Assert.Equal(1.0, m.DirectionalCiHigh);
    }

    [Fact]
    public void Tie_for_the_top_probability_is_read_as_flat()
    {
        float[] probabilities =
        [
            0.4f, 0.2f, 0.4f, // down and up tied
            0.5f, 0.5f, 0.0f, // down and flat tied
            0.3f, 0.3f, 0.4f, // a tie below the top does not matter: up
        ];
        var labels = Labels(Flat, Flat, Up);

        var m = MetricsCalculator.Compute(probabilities, labels, ReturnsFor(labels), EveryBarNoCost);

        Assert.Equal(new ClassCounts { Down = 0, Flat = 2, Up = 1 }, m.PredictedClassCounts);
    }

    [Fact]
    public void Baseline_predicts_the_train_majority_when_given()
    {
        var labels = Labels(Up, Up, Up, Down, Flat);

        var m = MetricsCalculator.ComputeBaseline(labels, ReturnsFor(labels), EveryBarNoCost, majorityClassFromTrain: (int)Flat);

        Assert.Equal(new ClassCounts { Down = 0, Flat = 5, Up = 0 }, m.PredictedClassCounts);
        Assert.Equal(1.0 / 5, m.Accuracy);
        Assert.Equal(0.0, m.TotalReturn);
        Assert.Null(m.LogLoss);
    }

    [Fact]
    public void Baseline_falls_back_to_the_test_majority()
    {
        // Always long: +1 % three times, −1 % once, 0 once.
        var labels = Labels(Up, Up, Up, Down, Flat);

        var m = MetricsCalculator.ComputeBaseline(labels, ReturnsFor(labels), EveryBarNoCost, majorityClassFromTrain: null);

        Assert.Equal(new ClassCounts { Down = 0, Flat = 0, Up = 5 }, m.PredictedClassCounts);
        Assert.Equal(3.0 / 5, m.Accuracy);
        Assert.Equal((1.01 * 1.01 * 1.01 * 0.99) - 1, m.TotalReturn, 1e-12);
        Assert.Equal(3.0 / 4, m.DirectionalAccuracy);
    }

    [Fact]
    public void Rejects_a_train_majority_that_is_not_a_class() =>
        Assert.Throws<QuantLabException>(() => MetricsCalculator.ComputeBaseline([1], [0.0], EveryBarNoCost, majorityClassFromTrain: 3));

    [Fact]
    public void Rejects_predictions_of_the_wrong_shape()
    {
        var ex = Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute(new float[6], [1, 1, 1], [0.0, 0, 0], EveryBarNoCost));
        Assert.Contains("3 rows × 3 classes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_rows_that_are_not_probabilities()
    {
        // The same 6 numbers read 3×n instead of n×3 no longer sum to 1 per row.
        float[] transposed = [0.7f, 0.2f, 0.2f, 0.2f, 0.1f, 0.6f];
        var ex = Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute(transposed, [1, 1], [0.0, 0], EveryBarNoCost));
        Assert.Contains("sums to", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_labels_outside_the_three_classes() =>
        Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute(Rows(Flat), [3], [0.0], EveryBarNoCost));

    [Fact]
    public void Rejects_labels_that_disagree_with_the_sign_of_their_returns()
    {
        var ex = Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute(Rows(Up, Up), Labels(Up, Up), [0.01, -0.01], EveryBarNoCost));
        Assert.Contains("misaligned", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_missing_forward_returns() =>
        Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute(Rows(Flat), [1], [double.NaN], EveryBarNoCost));

    [Fact]
    public void Rejects_an_empty_test_part() =>
        Assert.Throws<QuantLabException>(() => MetricsCalculator.Compute([], [], [], EveryBarNoCost));

    [Fact]
    public void Rejects_a_negative_cost() =>
        Assert.Throws<UsageException>(() => MetricsCalculator.Compute(Rows(Flat), [1], [0.0], EveryBarNoCost with { CostBps = -1 }));
}
