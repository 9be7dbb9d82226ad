using System.Globalization;
using System.Text.RegularExpressions;

namespace QuantLab.Ml.Common;

/// <summary>Parses operator durations such as 4h, 90m, 1h30m, 45s or 00:30:00.</summary>
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
}
