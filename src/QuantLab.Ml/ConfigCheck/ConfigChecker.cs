using QuantLab.Ml.Configuration;
using Serilog;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>`config check`: loads and validates the configuration, lists its values and sources, and runs every probe.</summary>
public sealed class ConfigChecker(IReadOnlyList<IConfigProbe> probes, TimeProvider time, ILogger log)
{
    public async Task<ConfigReport> CheckAsync(ConfigCheckRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var loaded = ConfigurationLoader.TryLoad(request.ConfigFile, request.Environment, request.Flags, request.CurrentDirectory, request.SystemFile);
        if (loaded.Rules.Errors.Count > 0 || loaded.Config is null)
        {
            // Every problem, one line each, and the values when they could be bound: the operator fixes all in one go.
            return new ConfigReport
            {
                Ok = false,
                Valid = false,
                ConfigFile = loaded.File,
                ConfigFileFrom = loaded.Config?.FileOrigin,
                Values = loaded.Config is null ? [] : ConfigSources.List(loaded.Config),
                Checks = loaded.Rules.Errors.Select(e => CheckResult.Fail("configuration", e)).ToList(),
            };
        }

        var config = loaded.Config;
        var values = ConfigSources.List(config);
        var checks = new List<CheckResult>
        {
            CheckResult.Ok("configuration", config.File is null ? "valid (no file: defaults, environment and flags only)" : $"valid ({config.File})"),
        };
        if (SecretsInReadableFile(config, values) is { } exposed)
        {
            checks.Add(exposed);
        }

        var context = new ConfigProbeContext { Config = config, Environment = request.Environment, Time = time, Log = log };
        foreach (var probe in probes)
        {
            try
            {
                checks.AddRange(await probe.ProbeAsync(context, ct).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.Debug(ex, "Probe {Probe} failed", probe.GetType().Name);
                checks.Add(CheckResult.Fail(probe.GetType().Name, $"the check itself failed: {ex.Message}"));
            }
        }

        return new ConfigReport
        {
            Ok = checks.All(c => c.Status != CheckStatus.Fail),
            Valid = true,
            ConfigFile = config.File,
            ConfigFileFrom = config.FileOrigin,
            Values = values,
            Checks = checks,
        };
    }

    /// <summary>Secrets belong in the 0600 env file; one in a configuration file others can read is a leak waiting to happen.</summary>
    private static CheckResult? SecretsInReadableFile(LoadedConfiguration config, IReadOnlyList<ConfigValue> values)
    {
        if (config.File is null || OperatingSystem.IsWindows())
        {
            return null;
        }

        var inFile = values.Where(v => v.Secret && v.Value is not null && v.Source.StartsWith("file ", StringComparison.Ordinal)).Select(v => v.Key).ToList();
        var mode = File.GetUnixFileMode(config.File);
        return inFile.Count > 0 && (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0
            ? CheckResult.Warn("secrets", $"{string.Join(", ", inFile)} set in {config.File}, which has mode {FilesProbe.Octal(mode)}: move them to the env file (mode 0600)")
            : null;
    }
}

/// <summary>What to check: the same inputs every command loads its configuration from.</summary>
public sealed record ConfigCheckRequest
{
    public string? ConfigFile { get; init; }
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }
    public required IReadOnlyDictionary<string, string?> Flags { get; init; }
    public required string CurrentDirectory { get; init; }

    /// <summary>The machine-wide file read when no other is found (tests give their own).</summary>
    public string? SystemFile { get; init; } = ConfigurationLoader.SystemFile;
}
