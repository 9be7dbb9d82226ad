using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

/// <summary>Builds <see cref="QuantLabOptions"/> from the JSON file, QUANTLAB_* environment variables and command-line flags, and validates it once.</summary>
public static class ConfigurationLoader
{
    public const string DefaultFileName = "quantlab-ml.json";
    public const string EnvPrefix = "QUANTLAB_";

    /// <summary>Loads and validates; throws <see cref="UsageException"/> with a message naming the bad key.</summary>
    /// <param name="configFile">--config value; null = QUANTLAB_CONFIG or ./quantlab-ml.json when present.</param>
    /// <param name="environment">Environment variables (a snapshot, so tests need not touch the process's).</param>
    /// <param name="flags">Configuration keys set by flags, e.g. "StoreRoot" → "/srv/store".</param>
    /// <param name="currentDirectory">Where relative paths and the default file are resolved.</param>
    public static LoadedConfiguration Load(
        string? configFile,
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyDictionary<string, string?> flags,
        string currentDirectory)
    {
        var file = configFile ?? environment.GetValueOrDefault("QUANTLAB_CONFIG");
        string? used = null;
        if (file is not null)
        {
            used = Path.GetFullPath(file, currentDirectory);
            if (!File.Exists(used))
            {
                throw new UsageException($"configuration file {used} does not exist");
            }
        }
        else if (File.Exists(Path.Combine(currentDirectory, DefaultFileName)))
        {
            used = Path.Combine(currentDirectory, DefaultFileName);
        }

        var env = environment
            .Where(kv => kv.Key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) && kv.Key != "QUANTLAB_CONFIG" && !kv.Key.StartsWith("QUANTLAB_TEST_", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[EnvPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), kv => kv.Value);

        var builder = new ConfigurationBuilder();
        if (used is not null)
        {
            builder.AddJsonFile(used, optional: false, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(env);
        builder.AddInMemoryCollection(flags);
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new UsageException($"configuration file {used} is not valid JSON: {ex.Message}", ex);
        }

        QuantLabOptions options;
        try
        {
            options = Bind(root);
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException($"configuration: {ex.Message}{(ex.InnerException is null ? string.Empty : " " + ex.InnerException.Message)}", ex);
        }

        options = Resolve(options, currentDirectory);
        options = options with { WorkDir = Path.GetFullPath(options.EffectiveWorkDir, currentDirectory) };
        Validate(options);
        return new LoadedConfiguration(options, root, used);
    }

    private static QuantLabOptions Bind(IConfiguration root)
    {
        var bound = new QuantLabOptions();
        root.Bind(bound);

        // Lists are replaced, not appended to: the binder would otherwise add configured items after the defaults.
        var defaults = new Dataset.DatasetConfig();
        return bound with
        {
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

    private static void Validate(QuantLabOptions o)
    {
        o.Batch.Validate();
        o.Dataset.Validate();
        o.Xgboost.Validate();
        o.Promotion.Validate();
        o.Alerts.Validate();
        o.Metrics.Validate();
        o.DataCheck.Validate();
        if (o.WindowDays is < 1 or > 31)
        {
            throw new UsageException($"WindowDays must be 1..31, got {o.WindowDays}");
        }

        if (o.Device is not (null or "auto" or "cpu" or "cuda"))
        {
            throw new UsageException($"Device must be auto, cpu or cuda, got '{o.Device}'");
        }

        if (o.Provider is not ("local" or "ssh" or "vast"))
        {
            throw new UsageException($"Provider must be local, ssh or vast, got '{o.Provider}'");
        }

        if (o.Runtime.MaxRuntimeMinutes is < 1 or > 24 * 60)
        {
            throw new UsageException($"Runtime:MaxRuntimeMinutes must be 1..1440, got {o.Runtime.MaxRuntimeMinutes}");
        }

        if (o.Symbols.Count == 0)
        {
            throw new UsageException("no symbols configured: give --symbol or set Symbols");
        }
    }
}

/// <summary>Validated options plus the raw configuration (for parts that bind their own sections) and the file used.</summary>
public sealed record LoadedConfiguration(QuantLabOptions Options, IConfiguration Raw, string? File);
