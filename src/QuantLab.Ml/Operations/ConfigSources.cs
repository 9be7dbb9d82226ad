using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using QuantLab.Ml.Configuration;

namespace QuantLab.Ml.Operations;

/// <summary>Lists every effective configuration value with where it came from (default, file, env, flag), secrets masked.</summary>
public static partial class ConfigSources
{
    public const string Masked = "***";

    // Names whose values are credentials. "…KeyFile" names a path, not a key, so the pattern is anchored at the end.
    [GeneratedRegex("(key|token|secret|password|passphrase|webhookurl)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    /// <summary>
    /// Whether a key's value is a credential. Vast:Pacing is named after API routes (AttachSshKey is a delay), never a secret.
    /// </summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = key.Split(':');
        return !path.Contains("Pacing", StringComparer.OrdinalIgnoreCase) && SecretName().IsMatch(path[^1]);
    }

    public static IReadOnlyList<ConfigValue> List(LoadedConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var values = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(config.Options, string.Empty, values);
        return values.Select(kv =>
        {
            var secret = IsSecret(kv.Key);
            return new ConfigValue(kv.Key, secret && kv.Value is { Length: > 0 } ? MaskValue(kv.Key, kv.Value) : kv.Value, SourceOf(kv.Key, config.Sources), secret)
            {
                Allowed = config.Allowed.GetValueOrDefault(kv.Key),
            };
        }).ToList();
    }

    /// <summary>The webhook keeps its scheme and host (so a wrong host can be seen); every other secret is only "***".</summary>
    private static string MaskValue(string key, string value) =>
        key.EndsWith("WebhookUrl", StringComparison.OrdinalIgnoreCase) ? AlertOptions.MaskUrl(value) : Masked;

    /// <summary>The last source that sets the key (or a list item under it) wins, as in the loader.</summary>
    private static string SourceOf(string key, IReadOnlyList<ConfigSource> sources)
    {
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            var p = sources[i].Provider;
            if (!p.TryGet(key, out _) && !p.GetChildKeys([], key).Any())
            {
                continue;
            }

            return sources[i].Name switch
            {
                "env" => $"env {sources[i].Describe(key)}",
                var name => name,
            };
        }

        return "default";
    }

    private static void Flatten(object? value, string prefix, IDictionary<string, string?> into)
    {
        if (value is null)
        {
            into[prefix] = null;
            return;
        }

        var type = value.GetType();
        if (IsLeaf(type))
        {
            into[prefix] = Format(value);
            return;
        }

        if (value is IDictionary map)
        {
            // Exchanges: the keys are data (exchange names), each with its own list.
            foreach (DictionaryEntry entry in map)
            {
                Flatten(entry.Value, $"{prefix}:{entry.Key}", into);
            }

            return;
        }

        if (value is IEnumerable list)
        {
            into[prefix] = string.Join(",", list.Cast<object?>().Select(Format));
            return;
        }

        // Bindable properties only, from the generated JSON metadata (no reflection), as the unknown-key check reads them.
        foreach (var property in ConfigKeys.Properties(type))
        {
            Flatten(property.Get!(value), prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", into);
        }
    }

    private static bool IsLeaf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(TimeOnly) || t == typeof(DateOnly) || t == typeof(DateTimeOffset);
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
