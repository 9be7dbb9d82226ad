using System.Globalization;

namespace QuantLab.Ml.Common;

/// <summary>
/// The one way configuration values are checked. Each options record states its rules against a <see cref="ConfigRules"/>
/// for its own section; every rule records what it allows (config check shows it beside the value) and a broken rule
/// becomes one message naming the key, the value and what is allowed: <c>Runtime:MarginMinutes = -61: must be 0..720</c>.
/// Rules never throw themselves, so config check can list every problem; <see cref="ThrowIfInvalid"/> makes the first
/// one a usage error (exit 2) for everything else.
/// </summary>
public sealed class ConfigRules
{
    private readonly Shared shared;
    private readonly string prefix;

    public ConfigRules() : this(new Shared(), string.Empty) { }

    private ConfigRules(Shared shared, string prefix)
    {
        this.shared = shared;
        this.prefix = prefix;
    }

    /// <summary>Broken rules, in the order they were checked: "key = value: must be …".</summary>
    public IReadOnlyList<string> Errors => shared.Errors;

    /// <summary>What each checked key allows ("1..1440", "finite, >= 0"), by full key path.</summary>
    public IReadOnlyDictionary<string, string> Allowed => shared.Allowed;

    /// <summary>Rules of a subsection share this instance's findings; their keys are prefixed with <paramref name="name"/>.</summary>
    public ConfigRules Section(string name) => new(shared, Key(name));

    /// <summary>The full key path of <paramref name="name"/> in this section.</summary>
    public string Key(string name) => prefix.Length == 0 ? name : $"{prefix}:{name}";

    /// <summary>A whole number in [min, max].</summary>
    public ConfigRules Whole(string name, long value, long min, long max, string? unit = null) =>
        That(value >= min && value <= max, name, value, Suffix($"{Fmt(min)}..{Fmt(max)}", unit));

    /// <summary>An optional whole number: null, or in [min, max].</summary>
    public ConfigRules Whole(string name, long? value, long min, long max, string? unit = null) =>
        value is null ? Describe(name, Suffix($"{Fmt(min)}..{Fmt(max)} or unset", unit)) : Whole(name, value.Value, min, max, unit);

    /// <summary>A finite number in [min, max]; <paramref name="aboveMin"/> excludes min itself ("more than 0").</summary>
    public ConfigRules Number(string name, double value, double min, double max, bool aboveMin = false, string? unit = null)
    {
        var ok = double.IsFinite(value) && (aboveMin ? value > min : value >= min) && value <= max;
        return That(ok, name, value, Suffix(aboveMin ? $"more than {Fmt(min)} and at most {Fmt(max)}" : $"{Fmt(min)}..{Fmt(max)}", unit));
    }

    /// <summary>An optional finite number: null, or in range.</summary>
    public ConfigRules Number(string name, double? value, double min, double max, bool aboveMin = false, string? unit = null) =>
        value is null ? Describe(name, "unset, or " + Suffix(aboveMin ? $"more than {Fmt(min)} and at most {Fmt(max)}" : $"{Fmt(min)}..{Fmt(max)}", unit))
            : Number(name, value.Value, min, max, aboveMin, unit);

    /// <summary>A fraction: finite, in [0, 1] (or (0, 1] with <paramref name="aboveZero"/>).</summary>
    public ConfigRules Fraction(string name, double value, bool aboveZero = false) => Number(name, value, 0, 1, aboveZero);

    /// <summary>A duration in [min, max] (min excluded with <paramref name="aboveMin"/>): "hh:mm:ss" in configuration.</summary>
    public ConfigRules Duration(string name, TimeSpan value, TimeSpan min, TimeSpan max, bool aboveMin = false)
    {
        var ok = (aboveMin ? value > min : value >= min) && value <= max;
        return That(ok, name, value, aboveMin ? $"more than {Fmt(min)} and at most {Fmt(max)}" : $"{Fmt(min)}..{Fmt(max)}");
    }

    /// <summary>A positive duration of at most <paramref name="max"/>.</summary>
    public ConfigRules Positive(string name, TimeSpan value, TimeSpan max) => Duration(name, value, TimeSpan.Zero, max, aboveMin: true);

    /// <summary>An optional duration: null, or in [min, max].</summary>
    public ConfigRules Duration(string name, TimeSpan? value, TimeSpan min, TimeSpan max) =>
        value is null ? Describe(name, $"unset, or {Fmt(min)}..{Fmt(max)}") : Duration(name, value.Value, min, max);

    /// <summary>One of a fixed set of words (case-sensitive, as the code compares them).</summary>
    public ConfigRules OneOf(string name, string? value, params string[] allowed) =>
        That(value is not null && allowed.Contains(value, StringComparer.Ordinal), name, value, "one of " + string.Join(", ", allowed));

    /// <summary>Any other rule: <paramref name="ok"/> or the message "key = value: must be <paramref name="allowed"/>".</summary>
    public ConfigRules That(bool ok, string name, object? value, string allowed)
    {
        var key = Key(name);
        shared.Allowed.TryAdd(key, allowed);
        if (!ok)
        {
            shared.Errors.Add($"{key} = {Show(value)}: must be {allowed}");
        }

        return this;
    }

    /// <summary>A rule between keys (or a presence rule) whose message is written out whole; it starts with the key it blames.</summary>
    public ConfigRules Rule(bool ok, string message)
    {
        if (!ok)
        {
            shared.Errors.Add(prefix.Length == 0 ? message : $"{prefix}:{message}");
        }

        return this;
    }

    /// <summary>Runs a check written elsewhere that throws <see cref="UsageException"/> (a URL parse, an exchange name) and records its message.</summary>
    public ConfigRules Try(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (UsageException ex)
        {
            shared.Errors.Add(ex.Message);
        }

        return this;
    }

    /// <summary>Throws <see cref="UsageException"/> with the first broken rule (and how many more there are).</summary>
    public void ThrowIfInvalid()
    {
        if (shared.Errors.Count == 0)
        {
            return;
        }

        var more = shared.Errors.Count - 1;
        throw new UsageException(more == 0 ? shared.Errors[0] : $"{shared.Errors[0]} (and {more} more; `quantlab-ml config check` lists them)");
    }

    /// <summary>Checks one section on its own (a record used outside the whole configuration) and throws on the first broken rule.</summary>
    public static void Require(string section, Action<ConfigRules> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var r = new ConfigRules().Section(section);
        rules(r);
        r.ThrowIfInvalid();
    }

    /// <summary>Records what a key allows when its rule is checked elsewhere (a URL parse, the offer query).</summary>
    public ConfigRules Allows(string name, string allowed) => Describe(name, allowed);

    /// <summary>For values that are not configuration (a request built from flags and options): throws <see cref="UsageException"/> with <paramref name="message"/>.</summary>
    public static void Ensure(bool ok, string message)
    {
        if (!ok)
        {
            throw new UsageException(message);
        }
    }

    private ConfigRules Describe(string name, string allowed)
    {
        shared.Allowed.TryAdd(Key(name), allowed);
        return this;
    }

    private static string Suffix(string range, string? unit) => unit is null ? range : $"{range} {unit}";

    private static string Fmt(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Fmt(double v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Fmt(TimeSpan v) => v.ToString("c", CultureInfo.InvariantCulture);

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        string s => $"'{SymbolName.Printable(s)}'",
        TimeSpan t => Fmt(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => SymbolName.Printable(value.ToString()),
    };

    private sealed class Shared
    {
        public List<string> Errors { get; } = [];

        public Dictionary<string, string> Allowed { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
