using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>What one day's data.parquet holds, measured against the UTC day it is filed under.</summary>
public sealed record DayContent
{
    /// <summary>Start of the day, Unix ms.</summary>
    public required long DayStartMs { get; init; }

    /// <summary>Earliest ts_event allowed: the day's start minus the tolerance before midnight.</summary>
    public required long EarliestAllowedMs { get; init; }

    public required long Rows { get; init; }

    /// <summary>Rows before <see cref="EarliestAllowedMs"/> or at or after the next midnight.</summary>
    public required long OffDayRows { get; init; }

    /// <summary>ts_event of the first off-day row, for the message.</summary>
    public long? FirstOffDayTs { get; init; }

    /// <summary>UTC hours of the day (0..24) holding at least one row; rows before midnight count for none.</summary>
    public required int CoveredHours { get; init; }

    /// <summary>Rows with bid ≥ ask (prices otherwise usable).</summary>
    public required long CrossedRows { get; init; }
    public required long NonPositivePriceRows { get; init; }
    public required long NonPositiveSizeRows { get; init; }

    /// <summary>Rows with any of the three faults (a row is counted once).</summary>
    public required long UnusableRows { get; init; }

    public long UsableRows => Rows - UnusableRows;
}

/// <summary>Accumulates <see cref="DayContent"/> over a file's row groups.</summary>
internal sealed class DayContentCounter(DateOnly date, TimeSpan beforeMidnightTolerance)
{
    private const long HourMs = 3_600_000;
    private readonly long start = TradingDate.StartUnixMs(date);
    private readonly long earliest = TradingDate.StartUnixMs(date) - (long)beforeMidnightTolerance.TotalMilliseconds;
    private long rows, offDay, crossed, badPrice, badSize, unusable;
    private long? firstOffDay;
    private int hours;

    public void Add(ReadOnlySpan<long> ts, ReadOnlySpan<double> bidPrice, ReadOnlySpan<double> bidQty, ReadOnlySpan<double> askPrice, ReadOnlySpan<double> askQty)
    {
        var end = start + (24 * HourMs);
        for (var i = 0; i < ts.Length; i++)
        {
            var t = ts[i];
            if (t < earliest || t >= end)
            {
                offDay++;
                firstOffDay ??= t;
            }
            else if (t >= start)
            {
                hours |= 1 << (int)((t - start) / HourMs);
            }

            var pricesOk = UsableQuotes.HasUsablePrices(bidPrice[i], askPrice[i]);
            var sizesOk = UsableQuotes.HasUsableSizes(bidQty[i], askQty[i]);
            var isCrossed = pricesOk && UsableQuotes.IsCrossed(bidPrice[i], askPrice[i]);
            badPrice += pricesOk ? 0 : 1;
            badSize += sizesOk ? 0 : 1;
            crossed += isCrossed ? 1 : 0;
            unusable += pricesOk && sizesOk && !isCrossed ? 0 : 1;
        }

        rows += ts.Length;
    }

    public DayContent Result() => new()
    {
        DayStartMs = start,
        EarliestAllowedMs = earliest,
        Rows = rows,
        OffDayRows = offDay,
        FirstOffDayTs = firstOffDay,
        CoveredHours = System.Numerics.BitOperations.PopCount((uint)hours),
        CrossedRows = crossed,
        NonPositivePriceRows = badPrice,
        NonPositiveSizeRows = badSize,
        UnusableRows = unusable,
    };
}
