using System.Text.RegularExpressions;
using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Remote;

/// <summary>Reads what the remote scripts print: key=value lines and sha256sum listings.</summary>
internal static partial class RemoteOutputParser
{
    public static Dictionary<string, string> ParseKeyValues(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }

        return values;
    }

    /// <summary>Parses sha256sum output; names with characters sha256sum would escape are not trainer outputs and are rejected.</summary>
    public static Dictionary<string, string> ParseSha256Lines(string text)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Sha256Line().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                throw new TrainerFailedException($"unexpected line in sha256 listing: '{SymbolName.Printable(line)}'");
            }

            hashes[match.Groups[2].Value] = match.Groups[1].Value;
        }

        return hashes;
    }

    /// <summary>The last non-empty line of a command's output, or "(no output)".</summary>
    public static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    [GeneratedRegex("^([0-9a-f]{64})  ([A-Za-z0-9._-]{1,100})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Line();
}
