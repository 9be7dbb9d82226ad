using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using Serilog;
using Serilog.Core;

namespace QuantLab.Ml.Cli;

/// <summary>Per-invocation services of a command: validated configuration, logger, clock and output.</summary>
internal sealed class CommandContext : IAsyncDisposable
{
    private readonly Logger logger;

    private CommandContext(CliHost host, LoadedConfiguration config, Logger logger, string? runDir)
    {
        Host = host;
        Config = config;
        this.logger = logger;
        RunDir = runDir;
    }

    public CliHost Host { get; }
    public LoadedConfiguration Config { get; }
    public QuantLabOptions Options => Config.Options;
    public ILogger Log => logger;
    public TimeProvider Time => Host.Time;

    /// <summary>The run folder (log file, job bundles) of commands that have one.</summary>
    public string? RunDir { get; }

    /// <summary>The run's readable log file (quantlab-ml.log in the run folder); null without a run folder.</summary>
    public string? LogFile => RunDir is null ? null : Path.Combine(RunDir, Logging.TextLogFile);

    /// <summary>Loads configuration (file → env → flags) and creates the logger; a run folder is created when asked for.</summary>
    public static CommandContext Create(CliHost host, ParseResult parse, IReadOnlyDictionary<string, string?> flags, bool withRunDir)
    {
        var config = ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), host.Environment, flags, host.CurrentDirectory, host.SystemConfigFile);
        string? runDir = null;
        if (withRunDir)
        {
            var now = host.Time.GetUtcNow();
            var runId = $"run-{now:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}";
            runDir = Path.Combine(config.Options.EffectiveWorkDir, runId);
            try
            {
                Directory.CreateDirectory(runDir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new QuantLabException($"cannot create the run folder {runDir}: {ex.Message} (WorkDir, or StoreRoot when WorkDir is not set)", ex);
            }
        }

        var logger = Logging.Create(
            host.Err, parse.GetValue(CommonOptions.Verbose), runDir is null ? null : Path.Combine(runDir, Logging.ClefLogFile), Logging.IsJournal(host.Environment, host.Err));
        logger.Information("Configuration: {ConfigFile}", config.DescribeFile());
        return new CommandContext(host, config, logger, runDir);
    }

    public void WriteJson<T>(T value)
    {
        Host.Out.WriteLine(Json.Serialize(value, CliJson.Output));
        JsonWritten = true;
    }

    /// <summary>The command printed its --json document (so a failure after it must not print a second one).</summary>
    public bool JsonWritten { get; private set; }

    public ValueTask DisposeAsync() => logger.DisposeAsync();
}
