using System.Globalization;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>How the planner's reason and the dry-run table write times, durations and counts, so the two always agree.</summary>
internal static class PlanText
{
    /// <summary>"05:40 UTC", with " +1d" when it falls on a later UTC day than <paramref name="start"/> (a bare hh:mm would hide that).</summary>
    public static string Clock(DateTimeOffset at, DateTimeOffset start)
    {
        var c = CultureInfo.InvariantCulture;
        var utc = at.ToUniversalTime();
        var days = (utc.Date - start.ToUniversalTime().Date).Days;
        var text = utc.ToString("HH:mm", c) + " UTC";
        return days == 0 ? text : string.Create(c, $"{text} {days:+0;-0}d");
    }

    /// <summary>"1h 05m", "4m 09s": the same wording as the instance tables.</summary>
    public static string Duration(TimeSpan span) => InstanceTable.FormatAge(span.Duration());

    public static string Instances(int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} instance{(count == 1 ? string.Empty : "s")}");
}
