using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>Lists every effective configuration value with where it came from (default, file, env, flag), secrets masked.</summary>
public static partial class ConfigSources
{
    public const string Masked = "***";

    // Names whose values are credentials. "…KeyFile" names a path, not a key, so the pattern is anchored at the end.
    [GeneratedRegex("(key|token|secret|password|passphrase|webhookurl)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    /// <summary>
    /// A credential is text under a credential's name. The type matters as much as the name: Vast:Pacing:AttachSshKey is
    /// named after an API route and holds a delay.
    /// </summary>
    private static bool IsSecret(string key, HashSet<string> textKeys) => textKeys.Contains(key) && SecretName().IsMatch(key.Split(':')[^1]);

    public static IReadOnlyList<ConfigValue> List(LoadedConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var values = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var textKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Flatten(config.Options, config.Options.GetType(), string.Empty, values, textKeys);
        return values.Select(kv =>
        {
            var secret = IsSecret(kv.Key, textKeys);
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

    /// <summary>Every leaf value by key path; <paramref name="textKeys"/> gets the keys declared as text.</summary>
    private static void Flatten(object? value, Type declared, string prefix, IDictionary<string, string?> into, HashSet<string> textKeys)
    {
        if (declared == typeof(string))
        {
            textKeys.Add(prefix);
        }

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
                Flatten(entry.Value, entry.Value?.GetType() ?? typeof(object), $"{prefix}:{entry.Key}", into, textKeys);
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
            Flatten(property.Get!(value), property.PropertyType, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", into, textKeys);
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
        ComputeProviderKind provider => provider.Wire(), // as it is configured ("vast"), not the C# name
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
