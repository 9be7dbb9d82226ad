using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class LabelBuilderTests
{
    [Fact]
    public void A_return_exactly_on_the_dead_band_is_flat_and_just_beyond_it_is_a_move()
    {
        double band = LabelBuilder.DeadBand(new DatasetConfig { DeadBandBps = 0.5 });

        Assert.Equal(0.5e-4, band);
        Assert.Equal(LabelSet.Flat, LabelBuilder.Classify(band, band));
        Assert.Equal(LabelSet.Flat, LabelBuilder.Classify(-band, band));
        Assert.Equal(LabelSet.Flat, LabelBuilder.Classify(0.0, band));
        Assert.Equal(LabelSet.Up, LabelBuilder.Classify(Math.BitIncrement(band), band));
        Assert.Equal(LabelSet.Down, LabelBuilder.Classify(Math.BitDecrement(-band), band));
    }

    [Fact]
    public void With_no_dead_band_only_an_unchanged_mid_is_flat()
    {
        Assert.Equal(LabelSet.Flat, LabelBuilder.Classify(0.0, 0.0));
        Assert.Equal(LabelSet.Up, LabelBuilder.Classify(double.Epsilon, 0.0));
        Assert.Equal(LabelSet.Down, LabelBuilder.Classify(-double.Epsilon, 0.0));
    }

    [Fact]
    public void Labels_each_row_by_the_mid_log_return_over_the_horizon()
    {
        // Mids 1.00, 1.01, ... move 1 % per bar until bar 6, then stay, then fall back 1 % per bar.
        double[] mids = [1.00, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.06, 1.06, 1.06, 1.05, 1.04, 1.03, 1.02];
        var series = new TickSeries();
        for (int bar = 0; bar < mids.Length; bar++)
        {
            series.Add(TickSeries.Jan1 + (bar * 1000L), mids[bar] - 0.001, 1, mids[bar] + 0.001, 1);
        }

        var config = new DatasetConfig { ReturnWindows = [1], VolatilityWindows = [], ImbalanceMeanWindows = [], UpdateCountWindows = [], HorizonBars = 3, DeadBandBps = 50 };
        var bars = BarBuilder.Build(series.Build(), 1);

        var labels = LabelBuilder.Build(bars, config);

        Assert.Equal(1, labels.FirstBar);
        Assert.Equal(mids.Length - 1 - 3, labels.Rows);
        for (int row = 0; row < labels.Rows; row++)
        {
            int t = row + 1;
            double r = Math.Log(mids[t + 3] / mids[t]);
            Assert.Equal(r, labels.ForwardReturns[row], 12);
        }

        // bar 1 -> 4: +3 % (up); bar 6 -> 9: 0 (flat); bar 7 -> 10: -0.9 % (down).
        Assert.Equal(LabelSet.Up, labels.Classes[1 - 1]);
        Assert.Equal(LabelSet.Flat, labels.Classes[6 - 1]);
        Assert.Equal(LabelSet.Down, labels.Classes[7 - 1]);
        Assert.Equal(labels.ForwardReturns.Select(r => LabelBuilder.Classify(r, 50e-4)), labels.Classes);
    }

    [Fact]
    public void Majority_class_breaks_ties_toward_flat_then_down()
    {
        Assert.Equal(LabelSet.Up, ClassCounts.Of([2, 2, 1, 0]).Majority);
        Assert.Equal(LabelSet.Flat, ClassCounts.Of([2, 1, 0]).Majority);
        Assert.Equal(LabelSet.Down, ClassCounts.Of([0, 0, 2, 2]).Majority);
        Assert.Equal(LabelSet.Flat, ClassCounts.Of([]).Majority);
    }
}
