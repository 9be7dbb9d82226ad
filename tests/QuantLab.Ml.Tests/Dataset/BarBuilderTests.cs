using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class BarBuilderTests
{
    [Fact]
    public void Aligns_bars_to_epoch_multiples_from_the_first_ticks_bar_to_the_last_ticks_bar()
    {
        // 1_700_000_003_250 ms lies 3.25 s into the 5 s bar starting at 1_700_000_000_000; the last tick is in the bar at +20 s.
        var ticks = new TickSeries()
            .Add(1_700_000_003_250, 10.0, 1, 10.1, 1)
            .Add(1_700_000_021_999, 10.0, 1, 10.1, 1)
            .Build();

        var bars = BarBuilder.Build(ticks, barSeconds: 5);

        Assert.Equal(1_700_000_000_000, bars.FirstBarStartMs);
        Assert.Equal(5, bars.Count);
        Assert.Equal(1_700_000_020_000, bars.StartMs(bars.Count - 1));
    }

    [Fact]
    public void Each_bar_carries_the_last_book_before_its_end_and_a_tick_on_the_end_belongs_to_the_next_bar()
    {
        long t0 = TickSeries.Jan1;
        var ticks = new TickSeries()
            .Add(t0 + 100, 1.0, 5, 1.2, 6)
            .Add(t0 + 999, 2.0, 7, 2.2, 8)
            .Add(t0 + 1000, 3.0, 9, 3.2, 10)
            .Build();

        var bars = BarBuilder.Build(ticks, barSeconds: 1);

        Assert.Equal(2, bars.Count);
        Assert.Equal((2.0, 7.0, 2.2, 8.0), (bars.BidPrice[0], bars.BidQty[0], bars.AskPrice[0], bars.AskQty[0]));
        Assert.Equal((3.0, 9.0, 3.2, 10.0), (bars.BidPrice[1], bars.BidQty[1], bars.AskPrice[1], bars.AskQty[1]));
        Assert.Equal([2, 1], bars.Updates);
        Assert.Equal((2.0 + 2.2) / 2, bars.Mid[0]);
        Assert.Equal(Math.Log((2.0 + 2.2) / 2), bars.LogMid[0]);
    }

    [Fact]
    public void Carries_the_book_forward_into_empty_bars_with_zero_updates()
    {
        long t0 = TickSeries.Jan1;
        var ticks = new TickSeries()
            .Add(t0 + 10, 1.00, 3, 1.02, 4)
            .Add(t0 + 20, 1.01, 5, 1.03, 6)
            .Add(t0 + 4_500, 1.05, 7, 1.07, 8)
            .Build();

        var bars = BarBuilder.Build(ticks, barSeconds: 1);

        Assert.Equal(5, bars.Count);
        Assert.Equal([2, 0, 0, 0, 1], bars.Updates);
        for (int bar = 1; bar <= 3; bar++)
        {
            Assert.Equal(bars.BidPrice[0], bars.BidPrice[bar]);
            Assert.Equal(bars.BidQty[0], bars.BidQty[bar]);
            Assert.Equal(bars.AskPrice[0], bars.AskPrice[bar]);
            Assert.Equal(bars.AskQty[0], bars.AskQty[bar]);
            Assert.Equal(bars.Mid[0], bars.Mid[bar]);
        }

        Assert.Equal(1.05, bars.BidPrice[4]);
    }

    [Fact]
    public void Counts_every_tick_once_over_a_random_day_slice()
    {
        var ticks = TickSeries.RandomWalk(5_000, seed: 7);

        var bars = BarBuilder.Build(ticks, barSeconds: 2);

        Assert.Equal(ticks.Count, bars.Updates.Sum());
        Assert.Contains(0, bars.Updates);
    }

    [Fact]
    public void Returns_no_bars_for_no_ticks()
    {
        var bars = BarBuilder.Build(new TickSeries().Build(), barSeconds: 1);

        Assert.Equal(0, bars.Count);
    }

    [Fact]
    public void Rejects_ticks_out_of_time_order_naming_the_row()
    {
        long t0 = TickSeries.Jan1;
        var ticks = new TickSeries()
            .Add(t0, 1, 1, 1.1, 1)
            .Add(t0 + 5_000, 1, 1, 1.1, 1)
            .Add(t0 + 1_000, 1, 1, 1.1, 1)
            .Add(t0 + 6_000, 1, 1, 1.1, 1)
            .Build();

        var ex = Assert.Throws<DatasetException>(() => BarBuilder.Build(ticks, 1));

        Assert.Contains("not ordered by ts_event: row 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_last_tick_earlier_than_the_first()
    {
        var ticks = new TickSeries().Add(TickSeries.Jan1, 1, 1, 1.1, 1).Add(TickSeries.Jan1 - 1, 1, 1, 1.1, 1).Build();

        var ex = Assert.Throws<DatasetException>(() => BarBuilder.Build(ticks, 1));

        Assert.Contains("not ordered by ts_event", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 1.0, 1.1, 1.0, "price")]
    [InlineData(double.NaN, 1.0, 1.1, 1.0, "price")]
    [InlineData(1.0, 1.0, double.PositiveInfinity, 1.0, "price")]
    [InlineData(1.0, -1.0, 1.1, 1.0, "size")]
    [InlineData(1.0, 1.0, 1.1, double.NaN, "size")]
    public void Rejects_unusable_prices_and_sizes_with_the_row_and_values(double bid, double bidQty, double ask, double askQty, string what)
    {
        var ticks = new TickSeries().Add(TickSeries.Jan1, 1, 1, 1.1, 1).Add(TickSeries.Jan1 + 1_500, bid, bidQty, ask, askQty).Build();

        var ex = Assert.Throws<DatasetException>(() => BarBuilder.Build(ticks, 1));

        Assert.Contains($"tick row 1 (ts_event {TickSeries.Jan1 + 1_500}) has an unusable {what}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Rejects_nanosecond_timestamps_before_allocating_bars()
    {
        long ns = TickSeries.Jan1 * 1_000_000;
        var ticks = new TickSeries().Add(ns, 1, 1, 1.1, 1).Add(ns + (86_400L * 1_000_000_000), 1, 1, 1.1, 1).Build();

        var ex = Assert.Throws<DatasetException>(() => BarBuilder.Build(ticks, 1));

        Assert.Contains("Unix milliseconds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_columns_of_different_lengths()
    {
        var ticks = new BboColumns { TsEvent = [1, 2], Seq = [1, 2], BidPrice = [1, 1], BidQty = [1], AskPrice = [1, 1], AskQty = [1, 1] };

        var ex = Assert.Throws<DatasetException>(() => BarBuilder.Build(ticks, 1));

        Assert.Contains("bid_qty 1", ex.Message, StringComparison.Ordinal);
    }
}
