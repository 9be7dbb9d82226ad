using System.Globalization;
using System.Text.RegularExpressions;

namespace QuantLab.Ml.Common;

/// <summary>Parses operator durations such as 4h, 90m, 1h30m, 45s or 00:30:00, and writes them as a person would.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Compact();

    public static TimeSpan Parse(string? value, string what)
    {
        var text = (value ?? string.Empty).Trim().ToLowerInvariant();
        var m = Compact().Match(text);
        if (text.Length > 0 && m.Success)
        {
            static int Part(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
            return new TimeSpan(Part(m.Groups[1]), Part(m.Groups[2]), Part(m.Groups[3]), Part(m.Groups[4]));
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new UsageException($"invalid {what} '{SymbolName.Printable(value)}': expected e.g. 4h, 90m, 1h30m, 45s");
    }

    /// <summary>
    /// A duration as a person writes it: "850 ms", "12 s", "1 min 59 s", "3 min", "2 h 5 min", "1 d 3 h". Two units at most,
    /// the second only when it is not zero; never a raw "00:01:59.6093828".
    /// </summary>
    public static string Format(TimeSpan span)
    {
        var c = CultureInfo.InvariantCulture;
        if (span < TimeSpan.Zero)
        {
            return "-" + Format(span.Duration());
        }

        if (span < TimeSpan.FromSeconds(1))
        {
            return string.Create(c, $"{(int)Math.Round(span.TotalMilliseconds)} ms");
        }

        if (span < TimeSpan.FromMinutes(1))
        {
            // Below 10 s a tenth still tells something (a retry pause of 1.5 s); above it, whole seconds.
            return span < TimeSpan.FromSeconds(10) && span.Milliseconds >= 100
                ? string.Create(c, $"{Math.Floor(span.TotalSeconds * 10) / 10:0.0} s")
                : string.Create(c, $"{(int)span.TotalSeconds} s");
        }

        static string Two(long big, string bigUnit, int small, string smallUnit) =>
            small == 0 ? string.Create(CultureInfo.InvariantCulture, $"{big} {bigUnit}") : string.Create(CultureInfo.InvariantCulture, $"{big} {bigUnit} {small} {smallUnit}");

        return span < TimeSpan.FromHours(1) ? Two((long)span.TotalMinutes, "min", span.Seconds, "s")
            : span < TimeSpan.FromDays(1) ? Two((long)span.TotalHours, "h", span.Minutes, "min")
            : Two((long)span.TotalDays, "d", span.Hours, "h");
    }

    /// <summary><see cref="Format(TimeSpan)"/> of a number of seconds.</summary>
    public static string FormatSeconds(double seconds) =>
        double.IsFinite(seconds) ? Format(TimeSpan.FromSeconds(seconds)) : "-";
}
