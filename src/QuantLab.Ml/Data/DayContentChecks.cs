using System.Globalization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// Refuses an intact day whose content is not a training day: no or too few rows, timestamps off the day or off meta.json,
/// too many unusable quotes, too few hours. One sentence per refusal, with the numbers an operator needs.
/// </summary>
internal static class DayContentChecks
{
    /// <summary>The first reason to refuse the day, or null when it may be trained on.</summary>
    public static string? Refusal(string dataKey, DateOnly date, PartitionMeta meta, CompactFileSummary summary, DayContent day, DataCheckOptions checks)
    {
        var iso = TradingDate.Iso(date);
        if (day.Rows == 0)
        {
            return $"{dataKey} has no rows: nothing to train on for {iso}";
        }

        if ((meta.TsEventMin is { } metaMin && metaMin != summary.TsEventMin) || (meta.TsEventMax is { } metaMax && metaMax != summary.TsEventMax))
        {
            return Invariant($"{dataKey}: ts_event runs from {summary.TsEventMin} to {summary.TsEventMax} ({Time(summary.TsEventMin)} to {Time(summary.TsEventMax)}) but meta.json says {meta.TsEventMin?.ToString(CultureInfo.InvariantCulture) ?? "none"} to {meta.TsEventMax?.ToString(CultureInfo.InvariantCulture) ?? "none"}: the file is not the one meta.json describes");
        }

        if (day.OffDayRows > 0)
        {
            var end = day.DayStartMs + (long)TimeSpan.FromDays(1).TotalMilliseconds;
            return Invariant($"{dataKey}: {day.OffDayRows} of {day.Rows} rows have ts_event outside {iso} (allowed {Time(day.EarliestAllowedMs)} to before {Time(end)}, DataCheck:BeforeMidnightTolerance {checks.BeforeMidnightTolerance}), the first at {Time(day.FirstOffDayTs)}: filed under the wrong day");
        }

        var share = (double)day.UnusableRows / day.Rows;
        if (share > checks.MaxUnusableRowShare)
        {
            return Invariant($"{dataKey}: {day.UnusableRows} of {day.Rows} rows ({Percent(share)}) are unusable quotes ({Breakdown(day)}), above DataCheck:MaxUnusableRowShare {Percent(checks.MaxUnusableRowShare)}: refused");
        }

        if (day.UsableRows < checks.MinRows)
        {
            return Invariant($"{dataKey} has {day.UsableRows} usable rows, fewer than DataCheck:MinRows {checks.MinRows}: not a training day");
        }

        if (day.CoveredHours < checks.MinCoveredHours)
        {
            return Invariant($"{dataKey} covers {day.CoveredHours} of the 24 hours of {iso} ({Time(summary.TsEventMin)} to {Time(summary.TsEventMax)}), fewer than DataCheck:MinCoveredHours {checks.MinCoveredHours}: a part-empty day is not a training day");
        }

        return null;
    }

    /// <summary>The note for a day whose few unusable rows are dropped rather than refused.</summary>
    public static string Dropped(string dataKey, DayContent day, DataCheckOptions checks) =>
        Invariant($"{dataKey}: {day.UnusableRows} of {day.Rows} rows ({Percent((double)day.UnusableRows / day.Rows)}) are unusable quotes ({Breakdown(day)}): dropped, not trained on (refused above DataCheck:MaxUnusableRowShare {Percent(checks.MaxUnusableRowShare)})");

    private static string Breakdown(DayContent day) =>
        Invariant($"{day.CrossedRows} crossed or locked with bid >= ask, {day.NonPositivePriceRows} with a non-positive price, {day.NonPositiveSizeRows} with a non-positive size");

    /// <summary>Unix ms as UTC time; out-of-range values stay as numbers.</summary>
    private static string Time(long? ms)
    {
        if (ms is not { } value)
        {
            return "none";
        }

        return value is >= -62_135_596_800_000 and <= 253_402_300_799_999
            ? DateTimeOffset.FromUnixTimeMilliseconds(value).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture) + " ms";
    }

    private static string Percent(double share) => (share * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
