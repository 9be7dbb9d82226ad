using System.Collections;

namespace QuantLab.Ml.Cli;

/// <summary>What a command may touch of the outside world; tests give their own (writers, environment, folder, clock).</summary>
public sealed record CliHost
{
    public required TextWriter Out { get; init; }
    public required TextWriter Err { get; init; }
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }
    public required string CurrentDirectory { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The machine-wide configuration file, read when neither --config, QUANTLAB_CONFIG nor ./quantlab-ml.json is there.</summary>
    public string? SystemConfigFile { get; init; } = Configuration.ConfigurationLoader.SystemFile;


    /// <summary>
    /// Overrides the termination window (time between SIGTERM and the forced end); null = Shutdown:TerminationWindow of
    /// the configuration (see <see cref="Ml.Configuration.TimeBudget"/>).
    /// </summary>
    public TimeSpan? TerminationWindow { get; init; }

    public static CliHost FromProcess() => new()
    {
        Out = Console.Out,
        Err = Console.Error,
        Environment = System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal),
        CurrentDirectory = Directory.GetCurrentDirectory(),
    };
}
