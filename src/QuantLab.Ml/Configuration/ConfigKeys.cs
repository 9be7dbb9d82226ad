using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

/// <summary>
/// The configuration keys the options types know, read from their generated JSON metadata (no reflection, trim-safe), so a
/// new property is a known key without a hand-kept list. Every key a provider sets must be one of them: a misspelt key would
/// otherwise be silently ignored and the default used.
/// </summary>
public static class ConfigKeys
{
    /// <summary>The generated metadata with the C# property names (no naming policy), as configuration keys are spelled.</summary>
    internal static readonly JsonSerializerOptions Metadata = new() { TypeInfoResolver = ConfigurationJson.Default };

    /// <summary>Keys that were known once: a config that still sets one learns what replaced it, not just "unknown key".</summary>
    private static readonly Dictionary<string, string> Retired = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Rental:ExpectedTraining"] = "retired: a dry run's cost is now the night plan's, whose training time comes from past runs "
            + "and Batch:SecondsPerMillionRows; remove the key",
    };

    /// <summary>Settable properties of an options type: computed ones (EffectiveWorkDir, Enabled) are not configuration keys.</summary>
    internal static IEnumerable<JsonPropertyInfo> Properties(Type type) =>
        Metadata.GetTypeInfo(type).Properties.Where(p => p.Get is not null && p.Set is not null);

    /// <summary>Messages for every key <paramref name="provider"/> sets that no options type knows, with the nearest known key.</summary>
    /// <param name="provider">One configuration source (the file, the environment, the flags).</param>
    /// <param name="describe">How to name a key of this source in the message (e.g. as its environment variable).</param>
    public static IReadOnlyList<string> Unknown(IConfigurationProvider provider, Func<string, string> describe)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(describe);
        var errors = new List<string>();
        Walk(provider, null, Metadata.GetTypeInfo(typeof(QuantLabOptions)), describe, errors);
        return errors;
    }

    private static void Walk(IConfigurationProvider provider, string? path, JsonTypeInfo type, Func<string, string> describe, List<string> errors)
    {
        foreach (var child in provider.GetChildKeys([], path).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var key = path is null ? child : $"{path}:{child}";
            switch (type.Kind)
            {
                case JsonTypeInfoKind.Object:
                    var properties = Properties(type.Type).ToList();
                    var match = properties.FirstOrDefault(p => string.Equals(p.Name, child, StringComparison.OrdinalIgnoreCase));
                    if (match is null && Retired.TryGetValue(key, out var replaced))
                    {
                        errors.Add($"{describe(key)}: {replaced}");
                        continue;
                    }

                    if (match is null)
                    {
                        var nearest = Nearest(child, properties.Select(p => p.Name));
                        var kind = provider.GetChildKeys([], key).Any() ? "unknown section" : "unknown key";
                        errors.Add($"{describe(key)}: {kind}" + (nearest is null ? string.Empty : $"; did you mean {(path is null ? nearest : $"{path}:{nearest}")}?"));
                        continue;
                    }

                    Walk(provider, key, Metadata.GetTypeInfo(match.PropertyType), describe, errors);
                    break;

                // Lists: "0", "1", … (a comma-separated value has no children); dictionaries (Exchanges): the keys are data.
                case JsonTypeInfoKind.Enumerable when int.TryParse(child, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                case JsonTypeInfoKind.Dictionary:
                    Walk(provider, key, Metadata.GetTypeInfo(type.ElementType!), describe, errors);
                    break;
                default:
                    errors.Add($"{describe(key)}: unknown key; {path} has no keys of its own");
                    break;
            }
        }
    }

    /// <summary>The known name closest to a misspelt one (edit distance at most a third of its length), or null.</summary>
    internal static string? Nearest(string name, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Key: k, Distance: EditDistance.Between(name.ToLowerInvariant(), k.ToLowerInvariant())))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, name.Length / 3) ? best.Key : null;
    }
}
