using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using Serilog;

namespace QuantLab.Ml.Operations;

/// <summary>`config check`: loads and validates the configuration, lists its values and sources, and runs every probe.</summary>
public sealed class ConfigChecker(IReadOnlyList<IConfigProbe> probes, TimeProvider time, ILogger log)
{
    public async Task<ConfigReport> CheckAsync(ConfigCheckRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        LoadedConfiguration config;
        try
        {
            config = ConfigurationLoader.Load(request.ConfigFile, request.Environment, request.Flags, request.CurrentDirectory);
            config.Options.Alerts.Validate();
            config.Options.Metrics.Validate();
        }
        catch (UsageException ex)
        {
            return new ConfigReport
            {
                Ok = false,
                Valid = false,
                ConfigFile = request.ConfigFile,
                Values = [],
                Checks = [CheckResult.Fail("configuration", ex.Message)],
            };
        }

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
}
