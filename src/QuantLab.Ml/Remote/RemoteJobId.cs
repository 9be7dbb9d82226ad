using System.Globalization;
using System.Text.RegularExpressions;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>Validates the job id that names the remote job folder; anything else is refused before a host is touched.</summary>
public static partial class RemoteJobId
{
    [GeneratedRegex("^job-(?:[a-z0-9_]{2,20}-)?[a-z0-9]{2,20}-[0-9]{8}-[0-9a-f]{12}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Returns the id unchanged when it is valid; throws <see cref="UsageException"/> otherwise.</summary>
    public static string Parse(string? value)
    {
        if (value is null || !Pattern().IsMatch(value))
        {
            throw new UsageException($"invalid job id '{SymbolName.Printable(value)}': expected job-<symbol>-<yyyyMMdd>-<12 hex>");
        }

        return value;
    }

    /// <summary>
    /// The market key and trading day a job id names (job-binance-btcusdt-20260210-… → binance-btcusdt, 2026-02-10); null
    /// for anything else. Matching on this, never on a substring, keeps btcusdt apart from bybit-btcusdt.
    /// </summary>
    public static (string Symbol, DateOnly Date)? KeyOf(string? jobId)
    {
        var m = jobId is null ? null : KeyPattern().Match(jobId);
        return m is { Success: true } && DateOnly.TryParseExact(m.Groups[2].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? (m.Groups[1].Value, date)
            : null;
    }

    [GeneratedRegex(@"^job-((?:[a-z0-9_]{2,20}-)?[a-z0-9]{2,20})-(\d{8})-[0-9a-f]+$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
