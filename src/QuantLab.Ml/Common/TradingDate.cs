using System.Globalization;

namespace QuantLab.Ml.Common;

/// <summary>Parses and formats the UTC trading days used everywhere (yyyyMMdd in data keys, yyyy-MM-dd in model keys).</summary>
public static class TradingDate
{
    private static readonly string[] Formats = ["yyyyMMdd", "yyyy-MM-dd"];

    /// <summary>Parses yyyyMMdd or yyyy-MM-dd; throws <see cref="UsageException"/> otherwise.</summary>
    public static DateOnly Parse(string? value)
    {
        if (DateOnly.TryParseExact((value ?? string.Empty).Trim(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        throw new UsageException($"invalid date '{SymbolName.Printable(value)}': expected yyyyMMdd or yyyy-MM-dd");
    }

    /// <summary>Yesterday in UTC according to <paramref name="time"/>.</summary>
    public static DateOnly YesterdayUtc(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.Date).AddDays(-1);

    /// <summary>yyyyMMdd, the form used in data partition keys and job ids.</summary>
    public static string Compact(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>yyyy-MM-dd, the form used in model store keys.</summary>
    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Start of the UTC day as Unix milliseconds.</summary>
    public static long StartUnixMs(DateOnly date) => new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
}
