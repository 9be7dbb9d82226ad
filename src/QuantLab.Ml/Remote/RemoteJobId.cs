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
}
