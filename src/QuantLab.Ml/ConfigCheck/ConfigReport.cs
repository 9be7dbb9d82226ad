using System.Text.Json.Serialization;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>What `config check` found: every effective value and where it came from, and every check of what a nightly run needs.</summary>
public sealed record ConfigReport
{
    /// <summary>True when no check failed: everything a nightly run needs is present (warnings and skipped probes allowed).</summary>
    public required bool Ok { get; init; }

    /// <summary>False when the configuration itself did not load or validate (the values are listed when it could be bound).</summary>
    public required bool Valid { get; init; }
    public string? ConfigFile { get; init; }

    /// <summary>How the file was found: --config, QUANTLAB_CONFIG, ./quantlab-ml.json or system file.</summary>
    public string? ConfigFileFrom { get; init; }
    public required IReadOnlyList<ConfigValue> Values { get; init; }
    public required IReadOnlyList<CheckResult> Checks { get; init; }
}

/// <summary>One effective configuration value (secrets masked), its source (default, file, env QUANTLAB_…, flag) and what it may be.</summary>
public sealed record ConfigValue(string Key, string? Value, string Source, bool Secret)
{
    /// <summary>The rule the value was checked against ("0..720 minutes"); null when any value is accepted.</summary>
    public string? Allowed { get; init; }
}

/// <summary>The outcome of one check.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail)
{
    public static CheckResult Ok(string name, string detail) => new(name, CheckStatus.Ok, detail);

    public static CheckResult Warn(string name, string detail) => new(name, CheckStatus.Warn, detail);

    public static CheckResult Fail(string name, string detail) => new(name, CheckStatus.Fail, detail);

    public static CheckResult Skipped(string name, string detail) => new(name, CheckStatus.Skipped, detail);

    /// <summary>Fail when the nightly run needs it, else only a warning.</summary>
    public static CheckResult FailIf(bool required, string name, string detail) => new(name, required ? CheckStatus.Fail : CheckStatus.Warn, detail);
}

/// <summary>ok; warn (works, but worth fixing); fail (a nightly run would fail); skipped (not checked by this build).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckStatus>))]
public enum CheckStatus
{
    [JsonStringEnumMemberName("ok")] Ok,
    [JsonStringEnumMemberName("warn")] Warn,
    [JsonStringEnumMemberName("fail")] Fail,
    [JsonStringEnumMemberName("skipped")] Skipped,
}
