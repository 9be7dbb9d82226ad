using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

/// <summary>The default split walks forward: the test part is the window's last full day; one day keeps the intra-day split.</summary>
[Trait("Category", "Unit")]
public sealed class WalkForwardSplitTests
{
    private const long DayMs = 86_400_000;
    private static readonly long Day0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static BarSeries Bars(long firstMs, int count, long barMs = 60_000)
    {
        var mid = Enumerable.Range(0, count).Select(i => 100.0 + (i % 7)).ToArray();
        return new BarSeries
        {
            FirstBarStartMs = firstMs,
            BarMs = barMs,
            BidPrice = mid.Select(m => m - 0.01).ToArray(),
            AskPrice = mid.Select(m => m + 0.01).ToArray(),
            BidQty = new double[count],
            AskQty = new double[count],
            Mid = mid,
            LogMid = mid.Select(m => Math.Log(m)).ToArray(),
            Updates = Enumerable.Repeat(3, count).ToArray(),
        };
    }

    [Fact]
    public void Two_days_test_on_the_whole_last_day_and_train_and_validate_on_the_day_before_with_embargoes()
    {
        var config = new DatasetConfig { ReturnWindows = [1, 5], VolatilityWindows = [10], ImbalanceMeanWindows = [10], UpdateCountWindows = [10], HorizonBars = 10 };
        var bars = Bars(Day0, 2 * 1_440); // two days of 1-minute bars
        int warmup = FeatureBuilder.WarmupBars(config);

        var split = SplitPlan.ForBars(bars, config);

        Assert.True(split.WalkForward);
        long firstTest = bars.StartMs(warmup + split.Test.Start);
        long lastTest = bars.StartMs(warmup + split.Test.End - 1);
        Assert.Equal(Day0 + DayMs, firstTest);                               // the first bar of the last day
        Assert.Equal(Day0 + (2 * DayMs) - ((config.HorizonBars + 1) * 60_000), lastTest); // its last labelled bar
        Assert.True(split.Valid.End - 1 + config.HorizonBars < split.Test.Start);    // no valid label reads a test bar
        Assert.True(split.Train.End - 1 + config.HorizonBars < split.Valid.Start);
        Assert.True(bars.StartMs(warmup + split.Valid.End - 1) < Day0 + DayMs);
        Assert.Equal(split.Train.Count / 0.70 * 0.15, split.Valid.Count, 1.0);       // train/valid keep their 70:15 ratio
    }

    [Fact]
    public void Train_and_valid_end_where_the_earlier_days_data_ends_not_in_the_carried_forward_hours_after_it()
    {
        // The first day has data for its first 16 hours only (an outage, or a partial sample day); the book is then carried
        // forward until midnight: 8 hours of identical rows that would all be "flat".
        var config = new DatasetConfig { ReturnWindows = [1, 5], VolatilityWindows = [10], ImbalanceMeanWindows = [10], UpdateCountWindows = [10], HorizonBars = 10 };
        var bars = Bars(Day0, 2 * 1_440);
        Array.Clear(bars.Updates, 16 * 60, 8 * 60);
        int warmup = FeatureBuilder.WarmupBars(config);

        var split = SplitPlan.ForBars(bars, config);

        Assert.True(split.WalkForward);
        Assert.Equal(Day0 + DayMs, bars.StartMs(warmup + split.Test.Start));
        // The last valid label reads up to the last bar with data (16:00 minus one bar), not a carried-forward bar.
        Assert.Equal(Day0 + (16 * 3_600_000) - 60_000, bars.StartMs(warmup + split.Valid.End - 1 + config.HorizonBars));
        Assert.Equal(split.Train.Count / 0.70 * 0.15, split.Valid.Count, 2.0);       // 70:15 up to the rounding of the floor
    }

    [Fact]
    public void One_day_keeps_the_intra_day_split_and_says_its_test_part_is_shorter_than_a_day()
    {
        var config = new DatasetConfig { ReturnWindows = [1, 5], VolatilityWindows = [10], ImbalanceMeanWindows = [10], UpdateCountWindows = [10], HorizonBars = 10 };
        var bars = Bars(Day0, 1_440);

        var split = SplitPlan.ForBars(bars, config);

        Assert.False(split.WalkForward);
        Assert.Equal(SplitPlan.Create(FeatureBuilder.UsableRows(bars.Count, config), config), split);
    }

    [Fact]
    public void Too_little_history_before_the_last_day_falls_back_to_the_intra_day_split()
    {
        // Ten minutes of the previous day before a full last day: not enough to train on.
        var config = new DatasetConfig { ReturnWindows = [1], VolatilityWindows = [], ImbalanceMeanWindows = [], UpdateCountWindows = [], HorizonBars = 2 };
        var bars = Bars(Day0 + DayMs - 600_000, 10 + 1_440);

        Assert.False(SplitPlan.ForBars(bars, config).WalkForward);
    }
}
