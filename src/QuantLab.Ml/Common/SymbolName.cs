using System.Text.RegularExpressions;

namespace QuantLab.Ml.Common;

/// <summary>Validates trading symbols, which end up in paths, S3 keys and remote shell commands.</summary>
public static partial class SymbolName
{
    [GeneratedRegex("^[a-z0-9]{2,20}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Lower-cases and validates a symbol; throws <see cref="UsageException"/> when it is not 2–20 letters or digits.</summary>
    public static string Parse(string? value)
    {
        var symbol = (value ?? string.Empty).Trim().ToLowerInvariant();
        if (!Pattern().IsMatch(symbol))
        {
            throw new UsageException($"invalid symbol '{Printable(value)}': expected 2-20 letters or digits, e.g. btcusdt");
        }

        return symbol;
    }

    /// <summary>True when the value is already a valid lower-case symbol.</summary>
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    internal static string Printable(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var cut = value.Length > 40 ? value[..40] + "…" : value;
        return new string(cut.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
