using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;

namespace QuantLab.Ml.Operations;

/// <summary>Lists every effective configuration value with where it came from (default, file, env, flag), secrets masked.</summary>
public static partial class ConfigSources
{
    public const string Masked = "***";

    // Names whose values are credentials. "…KeyFile" names a path, not a key, so the pattern is anchored at the end.
    [GeneratedRegex("(key|token|secret|password|passphrase|webhookurl)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    public static bool IsSecret(string key) => SecretName().IsMatch(key.Split(':')[^1]);

    public static IReadOnlyList<ConfigValue> List(LoadedConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var providers = (config.Raw as IConfigurationRoot)?.Providers.ToList() ?? [];
        var values = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(config.Options, string.Empty, values);

        // Sections other parts bind themselves (Ssh, Vast, S3…) exist only in the raw configuration.
        foreach (var (key, value) in config.Raw.AsEnumerable())
        {
            if (value is not null && !values.ContainsKey(key) && !values.Keys.Any(k => key.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase)))
            {
                values[key] = value;
            }
        }

        return values.Select(kv =>
        {
            var secret = IsSecret(kv.Key);
            return new ConfigValue(kv.Key, secret && kv.Value is { Length: > 0 } ? MaskValue(kv.Key, kv.Value) : kv.Value, SourceOf(kv.Key, providers), secret);
        }).ToList();
    }

    /// <summary>The webhook keeps its scheme and host (so a wrong host can be seen); every other secret is only "***".</summary>
    private static string MaskValue(string key, string value) =>
        key.EndsWith("WebhookUrl", StringComparison.OrdinalIgnoreCase) ? AlertOptions.MaskUrl(value) : Masked;

    /// <summary>The last provider that sets the key wins, as in the loader: the loader adds file, then environment, then flags.</summary>
    private static string SourceOf(string key, List<IConfigurationProvider> providers)
    {
        for (var i = providers.Count - 1; i >= 0; i--)
        {
            var p = providers[i];
            if (!p.TryGet(key, out _) && !p.GetChildKeys([], key).Any())
            {
                continue;
            }

            return p switch
            {
                FileConfigurationProvider file => $"file {file.Source.Path}",
                _ when i == providers.Count - 1 => "flag",
                _ => $"env {ConfigurationLoader.EnvPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}",
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

        if (value is IEnumerable list)
        {
            into[prefix] = string.Join(",", list.Cast<object?>().Select(Format));
            return;
        }

        // Bindable properties only: computed ones (EffectiveWorkDir, Enabled) have no setter and are not configuration keys.
        // The property list comes from the generated JSON metadata (no reflection); its names are the C# ones here.
        foreach (var property in PropertyNames.GetTypeInfo(type).Properties.Where(p => p.Get is not null && p.Set is not null))
        {
            Flatten(property.Get!(value), prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", into);
        }
    }

    /// <summary>The generated metadata with the C# property names (no naming policy), as configuration keys are spelled.</summary>
    private static readonly JsonSerializerOptions PropertyNames = new() { TypeInfoResolver = QuantLabJsonContext.Default };

    private static bool IsLeaf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(DateOnly) || t == typeof(DateTimeOffset);
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
