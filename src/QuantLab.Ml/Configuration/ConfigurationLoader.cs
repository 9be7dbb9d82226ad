using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Configuration;

/// <summary>
/// Builds <see cref="QuantLabOptions"/> once from, lowest first: defaults, S3_COMPACT_BUCKET (only the two roots), the JSON
/// file, QUANTLAB_* environment variables, VAST_API_URL, command-line flags; then checks that every key is known and every
/// value allowed (<see cref="OptionsValidator"/>).
/// </summary>
public static class ConfigurationLoader
{
    public const string DefaultFileName = "quantlab-ml.json";
    public const string EnvPrefix = "QUANTLAB_";

    /// <summary>The installed program's configuration, read when neither --config, QUANTLAB_CONFIG nor ./quantlab-ml.json is there.</summary>
    public const string SystemFile = "/etc/quantlab-ml/quantlab-ml.json";

    /// <summary>The seed system's bucket variable: data at s3://$S3_COMPACT_BUCKET/, models under s3://$S3_COMPACT_BUCKET/models/.</summary>
    public const string CompactBucketVariable = "S3_COMPACT_BUCKET";

    /// <summary>Loads and validates; throws <see cref="UsageException"/> with a message naming the bad key.</summary>
    /// <param name="configFile">--config value; null = QUANTLAB_CONFIG, ./quantlab-ml.json, else <paramref name="systemFile"/> when present.</param>
    /// <param name="environment">Environment variables (a snapshot, so tests need not touch the process's).</param>
    /// <param name="flags">Configuration keys set by flags, e.g. "StoreRoot" → "/srv/store".</param>
    /// <param name="currentDirectory">Where relative paths and the default file are resolved.</param>
    /// <param name="systemFile">The machine-wide file (tests give a path of their own).</param>
    public static LoadedConfiguration Load(
        string? configFile,
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyDictionary<string, string?> flags,
        string currentDirectory,
        string? systemFile = SystemFile)
    {
        var result = TryLoad(configFile, environment, flags, currentDirectory, systemFile);
        result.Rules.ThrowIfInvalid();
        return result.Config!;
    }

    /// <summary>Loads without throwing on a bad value: every problem is in <see cref="LoadResult.Rules"/>; Config is null only when nothing could be bound.</summary>
    public static LoadResult TryLoad(
        string? configFile,
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyDictionary<string, string?> flags,
        string currentDirectory,
        string? systemFile = SystemFile)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(flags);
        var rules = new ConfigRules();
        (string Path, string Origin)? used;
        IConfigurationRoot root;
        List<ConfigSource> sources;
        try
        {
            used = Discover(configFile, environment, currentDirectory, systemFile);
            (root, sources) = Build(used?.Path, environment, flags);
        }
        catch (UsageException ex)
        {
            rules.Rule(false, ex.Message);
            return new LoadResult(null, rules, null);
        }

        foreach (var source in sources)
        {
            foreach (var unknown in ConfigKeys.Unknown(source.Provider, source.Describe))
            {
                rules.Rule(false, unknown);
            }
        }

        QuantLabOptions options;
        try
        {
            options = Resolve(Bind(root), currentDirectory);
            options = options with { WorkDir = Path.GetFullPath(options.EffectiveWorkDir, currentDirectory) };
        }
        catch (InvalidOperationException ex)
        {
            rules.Rule(false, $"configuration: {ex.Message}{(ex.InnerException is null ? string.Empty : " " + ex.InnerException.Message)}");
            return new LoadResult(null, rules, used?.Path);
        }
        catch (UsageException ex)
        {
            rules.Rule(false, ex.Message);
            return new LoadResult(null, rules, used?.Path);
        }

        var check = OptionsValidator.Check(options);
        foreach (var error in check.Errors)
        {
            rules.Rule(false, error);
        }

        var config = new LoadedConfiguration(options, root, used?.Path)
        {
            FileOrigin = used?.Origin,
            Sources = sources,
            Allowed = check.Allowed,
        };
        return new LoadResult(config, rules, used?.Path);
    }

    /// <summary>--config, else $QUANTLAB_CONFIG, else ./quantlab-ml.json, else the system file; a named file must exist.</summary>
    private static (string Path, string Origin)? Discover(string? configFile, IReadOnlyDictionary<string, string?> environment, string cwd, string? systemFile)
    {
        var (named, origin) = configFile is not null ? (configFile, "--config")
            : environment.GetValueOrDefault("QUANTLAB_CONFIG") is { Length: > 0 } fromEnv ? (fromEnv, "QUANTLAB_CONFIG")
            : (null, null);
        if (named is not null)
        {
            var path = Path.GetFullPath(named, cwd);
            return File.Exists(path) ? (path, origin!) : throw new UsageException($"configuration file {path} (from {origin}) does not exist");
        }

        var local = Path.Combine(cwd, DefaultFileName);
        if (File.Exists(local))
        {
            return (local, "./" + DefaultFileName);
        }

        return systemFile is not null && File.Exists(systemFile) ? (systemFile, "system file") : null;
    }

    private static (IConfigurationRoot Root, List<ConfigSource> Sources) Build(string? file, IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, string?> flags)
    {
        var builder = new ConfigurationBuilder();
        var labels = new List<(string Name, Func<string, string> Describe)>();

        // The seed's bucket: a default for the roots only, so any configured root (file, env, flag) wins.
        if (environment.GetValueOrDefault(CompactBucketVariable) is { Length: > 0 } bucket)
        {
            var root = $"s3://{bucket.Trim().TrimEnd('/')}/";
            builder.AddInMemoryCollection(new Dictionary<string, string?> { ["DataRoot"] = root, ["StoreRoot"] = root });
            labels.Add(($"env {CompactBucketVariable}", key => $"{CompactBucketVariable} ({key})"));
        }

        if (file is not null)
        {
            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
            labels.Add(($"file {file}", key => key));
        }

        var env = EnvironmentKeys(environment);
        builder.AddInMemoryCollection(env.ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.OrdinalIgnoreCase));
        labels.Add(("env", key => env.TryGetValue(key, out var e) ? e.Name : EnvPrefix + key.Replace(":", "__", StringComparison.Ordinal)));
        if (environment.GetValueOrDefault(Vast.VastOptions.BaseUrlEnvironmentVariable) is { } url && !string.IsNullOrWhiteSpace(url))
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?> { ["Vast:BaseUrl"] = url.Trim() });
            labels.Add(($"env {Vast.VastOptions.BaseUrlEnvironmentVariable}", key => $"{Vast.VastOptions.BaseUrlEnvironmentVariable} ({key})"));
        }

        builder.AddInMemoryCollection(flags);
        labels.Add(("flag", key => $"flag for {key}"));
        IConfigurationRoot built;
        try
        {
            built = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or JsonException)
        {
            throw new UsageException($"configuration file {file} is not valid JSON: {JsonPosition(ex)}", ex);
        }

        var sources = built.Providers.Zip(labels, (p, l) => new ConfigSource(p, l.Name, l.Describe)).ToList();
        return (built, sources);
    }

    /// <summary>QUANTLAB_* variables as configuration keys (QUANTLAB_Xgboost__MaxDepth → Xgboost:MaxDepth), with their variable names.</summary>
    /// <remarks>
    /// Not configuration: QUANTLAB_CONFIG (names the file), QUANTLAB_TEST_* (the test suite's), and the variable that
    /// Ssh:KeyPassphraseEnv names (a secret that must not become a configuration value, default QUANTLAB_SSH_KEY_PASSPHRASE).
    /// </remarks>
    private static Dictionary<string, (string Name, string? Value)> EnvironmentKeys(IReadOnlyDictionary<string, string?> environment)
    {
        static bool IsConfig(string name) =>
            name.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase)
            && !name.Equals("QUANTLAB_CONFIG", StringComparison.OrdinalIgnoreCase)
            && !name.StartsWith("QUANTLAB_TEST_", StringComparison.OrdinalIgnoreCase);
        var all = environment.Where(kv => IsConfig(kv.Key))
            .ToDictionary(kv => kv.Key[EnvPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), kv => (kv.Key, kv.Value), StringComparer.OrdinalIgnoreCase);
        var passphraseEnv = all.TryGetValue("Ssh:KeyPassphraseEnv", out var named) && !string.IsNullOrWhiteSpace(named.Value)
            ? named.Value
            : new SshProviderOptions().KeyPassphraseEnv;
        return all.Where(kv => !kv.Value.Key.Equals(passphraseEnv, StringComparison.Ordinal)).ToDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>"line 3, column 14: …": where the JSON breaks, 1-based as editors count.</summary>
    private static string JsonPosition(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is JsonException { LineNumber: { } line } json)
            {
                var column = (json.BytePositionInLine ?? 0) + 1;
                var reason = json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
                return string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, column {column}: {reason}");
            }
        }

        return ex.Message;
    }

    private static QuantLabOptions Bind(IConfiguration root)
    {
        // Provider is read by its exact names only: the binder's enum parsing would also take "Vast", "2" or "local,ssh",
        // and would fail on any other text with an exception instead of the validator's one line. So the binder sees only
        // a valid name, and any other text is kept for the validator.
        var providerText = root["Provider"];
        var unknownProvider = providerText is null || ComputeProviderKinds.TryParse(providerText, out _) ? null : providerText;
        var bindable = unknownProvider is null
            ? root
            : new ConfigurationBuilder().AddConfiguration(root, shouldDisposeConfiguration: false)
                .AddInMemoryCollection([new KeyValuePair<string, string?>("Provider", null)]).Build();
        var bound = new QuantLabOptions { UnknownProvider = unknownProvider };
        bindable.Bind(bound);

        // Lists are replaced, not appended to: the binder would otherwise add configured items after the defaults.
        var defaults = new Dataset.DatasetConfig();
        var remote = bound.Remote with { PipArgs = ReadList(root, "Remote:PipArgs") ?? [] };
        return bound with
        {
            // The ssh provider's runner settings are the Remote section, shared with the vast provider.
            Ssh = bound.Ssh with { Remote = remote },
            Remote = remote,
            Symbols = ReadList(root, "Symbols") ?? new QuantLabOptions().Symbols,
            Exchanges = root.GetSection("Exchanges").GetChildren()
                .ToDictionary(c => c.Key, c => (IReadOnlyList<string>)(ReadList(root, c.Path) ?? []), StringComparer.Ordinal),
            Dataset = bound.Dataset with
            {
                ReturnWindows = ReadIntList(root, "Dataset:ReturnWindows") ?? defaults.ReturnWindows,
                VolatilityWindows = ReadIntList(root, "Dataset:VolatilityWindows") ?? defaults.VolatilityWindows,
                ImbalanceMeanWindows = ReadIntList(root, "Dataset:ImbalanceMeanWindows") ?? defaults.ImbalanceMeanWindows,
                UpdateCountWindows = ReadIntList(root, "Dataset:UpdateCountWindows") ?? defaults.UpdateCountWindows,
            },
        };
    }

    private static List<string>? ReadList(IConfiguration root, string key)
    {
        var section = root.GetSection(key);
        if (!section.GetChildren().Any())
        {
            // "btcusdt,ethusdt" from an environment variable or flag.
            return section.Value is { Length: > 0 } v ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : null;
        }

        return section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue).Select(c => c.Value ?? string.Empty).ToList();
    }

    private static List<int>? ReadIntList(IConfiguration root, string key)
    {
        var values = ReadList(root, key);
        if (values is null)
        {
            return null;
        }

        var result = new List<int>();
        foreach (var v in values)
        {
            if (!int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                throw new UsageException($"configuration {key}: '{v}' is not a whole number");
            }

            result.Add(n);
        }

        return result;
    }

    private static QuantLabOptions Resolve(QuantLabOptions o, string cwd)
    {
        static string Local(string value, string cwd) => value.Contains("://", StringComparison.Ordinal) ? value : Path.GetFullPath(value, cwd);
        var home = ExchangeName.Parse(o.Exchange);
        var exchanges = o.Exchanges.ToDictionary(e => ExchangeName.Parse(e.Key), e => e.Value, StringComparer.Ordinal);
        var listed = o.SymbolsFile is null ? o.Symbols : ReadSymbolsFile(Path.GetFullPath(o.SymbolsFile, cwd));
        return o with
        {
            DataRoot = Local(o.DataRoot, cwd),
            StoreRoot = Local(o.StoreRoot, cwd),
            WorkDir = o.WorkDir is null ? null : Path.GetFullPath(o.WorkDir, cwd),
            SymbolsFile = o.SymbolsFile is null ? null : Path.GetFullPath(o.SymbolsFile, cwd),
            Symbols = MarketKeys(listed, home, exchanges),
            Exchanges = exchanges,
            Exchange = home,
            Stream = ExchangeName.Parse(o.Stream, "stream"),
            Trainer = o.Trainer with { PackageDir = o.Trainer.PackageDir is null ? null : Path.GetFullPath(o.Trainer.PackageDir, cwd) },
        };
    }

    /// <summary>Symbols (or SymbolsFile), then every symbol of Exchanges, as canonical market keys without repeats.</summary>
    private static List<string> MarketKeys(IReadOnlyList<string> listed, string home, IReadOnlyDictionary<string, IReadOnlyList<string>> exchanges)
    {
        var keys = listed.Select(s => Market.NormalizeKey(s, home)).ToList();
        foreach (var (exchange, symbols) in exchanges.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (symbols.Count == 0)
            {
                throw new UsageException($"Exchanges:{exchange} lists no symbols");
            }

            keys.AddRange(symbols.Select(s => new Market(exchange, SymbolName.Parse(s)).KeyFor(home)));
        }

        return keys.Distinct().ToList();
    }

    /// <summary>One symbol per line; blank lines and '#' comments are skipped.</summary>
    private static List<string> ReadSymbolsFile(string path)
    {
        try
        {
            return File.ReadLines(path)
                .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim())
                .Where(line => line.Length > 0)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"SymbolsFile {path} cannot be read: {ex.Message}", ex);
        }
    }
}

/// <summary>Validated options plus the raw configuration (for config check's listing and file probes) and the file used.</summary>
public sealed record LoadedConfiguration(QuantLabOptions Options, IConfiguration Raw, string? File)
{
    /// <summary>How the file was found: --config, QUANTLAB_CONFIG, ./quantlab-ml.json or system file; null = no file.</summary>
    public string? FileOrigin { get; init; }

    /// <summary>The configuration sources, lowest precedence first (the last that sets a key wins).</summary>
    public IReadOnlyList<ConfigSource> Sources { get; init; } = [];

    /// <summary>What each checked key allows, by key path ("Runtime:MarginMinutes" → "0..720 minutes").</summary>
    public IReadOnlyDictionary<string, string> Allowed { get; init; } = new Dictionary<string, string>();

    /// <summary>One line for the log: which file the night uses and how it was found.</summary>
    public string DescribeFile() => File is null ? "no configuration file (defaults, environment and flags only)" : $"{File} (from {FileOrigin})";
}

/// <summary>One configuration source: its provider, its name for config check ("file …", "env", "flag") and how its keys are spelled there.</summary>
public sealed record ConfigSource(IConfigurationProvider Provider, string Name, Func<string, string> Describe);

/// <summary>What <see cref="ConfigurationLoader.TryLoad"/> found: the configuration (null when nothing could be bound) and every broken rule.</summary>
public sealed record LoadResult(LoadedConfiguration? Config, ConfigRules Rules, string? File);
