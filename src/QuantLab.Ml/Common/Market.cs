using System.Text.RegularExpressions;

namespace QuantLab.Ml.Common;

/// <summary>
/// A symbol on an exchange, and the key that names it in the store, locks, job ids, run summaries and on the command
/// line: the symbol alone on the home exchange (configuration <c>Exchange</c>), so a store written before other
/// exchanges were added keeps its keys; <c>&lt;exchange&gt;-&lt;symbol&gt;</c> on any other (e.g. <c>bybit-btcusdt</c>).
/// Exchange names never contain '-' and symbols are letters and digits, so a key splits one way only.
/// </summary>
public sealed partial record Market(string Exchange, string Symbol)
{
    [GeneratedRegex("^(?:[a-z0-9_]{2,20}-)?[a-z0-9]{2,20}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    /// <summary>The market's key given the home exchange.</summary>
    public string KeyFor(string homeExchange) => Exchange == homeExchange ? Symbol : $"{Exchange}-{Symbol}";

    /// <summary>
    /// Parses what an operator wrote (<c>btcusdt</c>, <c>bybit-btcusdt</c>, any case); a key naming the home exchange
    /// explicitly is the same market as the bare symbol. Throws <see cref="UsageException"/> on anything else.
    /// </summary>
    public static Market Parse(string? value, string homeExchange)
    {
        var text = (value ?? string.Empty).Trim().ToLowerInvariant();
        var dash = text.LastIndexOf('-');
        try
        {
            return dash < 0
                ? new Market(homeExchange, SymbolName.Parse(text))
                : new Market(ExchangeName.Parse(text[..dash]), SymbolName.Parse(text[(dash + 1)..]));
        }
        catch (UsageException)
        {
            throw new UsageException($"invalid symbol '{SymbolName.Printable(value)}': expected a symbol of 2-20 letters or digits (btcusdt), or exchange-symbol for another exchange than {homeExchange} (bybit-btcusdt)");
        }
    }

    /// <summary>Lower-cases <paramref name="value"/> and returns its canonical key (the bare symbol on the home exchange).</summary>
    public static string NormalizeKey(string? value, string homeExchange) => Parse(value, homeExchange).KeyFor(homeExchange);

    /// <summary>Validates a key where the home exchange is not known (store paths, lock names); returns it lower-cased.</summary>
    public static string ParseKey(string? value)
    {
        var key = (value ?? string.Empty).Trim().ToLowerInvariant();
        if (!KeyPattern().IsMatch(key))
        {
            throw new UsageException($"invalid symbol '{SymbolName.Printable(value)}': expected 2-20 letters or digits (btcusdt), or exchange-symbol (bybit-btcusdt)");
        }

        return key;
    }
}
