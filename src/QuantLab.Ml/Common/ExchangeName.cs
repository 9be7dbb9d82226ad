using System.Text.RegularExpressions;

namespace QuantLab.Ml.Common;

/// <summary>Validates exchange and stream names used in the compact data layout.</summary>
public static partial class ExchangeName
{
    [GeneratedRegex("^[a-z0-9_]{2,20}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Lower-cases and validates an exchange or stream name.</summary>
    public static string Parse(string? value, string what = "exchange")
    {
        var name = (value ?? string.Empty).Trim().ToLowerInvariant();
        if (!Pattern().IsMatch(name))
        {
            throw new UsageException($"invalid {what} '{SymbolName.Printable(value)}': expected 2-20 lower-case letters, digits or '_'");
        }

        return name;
    }
}
