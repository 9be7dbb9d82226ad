using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Sinks.SystemConsole.Themes;

namespace QuantLab.Ml.Cli;

/// <summary>
/// Serilog set-up. stderr gets coloured, short lines on a terminal and plain lines with a full timestamp otherwise (cron,
/// systemd, a pipe); a command with a run folder also gets a compact-JSON file there with the run id on every event.
/// </summary>
internal static class Logging
{
    private const string TerminalTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private const string PlainTemplate = "{Timestamp:yyyy-MM-dd'T'HH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger Create(TextWriter err, bool verbose, string? clefFile)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.FromLogContext();
        config = IsTerminal(err)
            ? config.WriteTo.Console(
                outputTemplate: TerminalTemplate,
                formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose,
                theme: Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } ? ConsoleTheme.None : AnsiConsoleTheme.Code)
            : config.WriteTo.Sink(new TextWriterSink(err, new MessageTemplateTextFormatter(PlainTemplate, CultureInfo.InvariantCulture)));
        if (clefFile is not null)
        {
            var runDir = Path.GetDirectoryName(clefFile)!;
            Directory.CreateDirectory(runDir);

            // The run folder's name is the run id; the job id is pushed by the pipeline once the job is planned.
            config = config.Enrich.WithProperty("RunId", Path.GetFileName(runDir))
                .WriteTo.File(new CompactJsonFormatter(), clefFile, restrictedToMinimumLevel: LogEventLevel.Debug);
        }

        return config.CreateLogger();
    }

    /// <summary>Only the real stderr of an interactive session is a terminal; tests pass their own writer.</summary>
    public static bool IsTerminal(TextWriter err) => ReferenceEquals(err, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Writes formatted events to a writer; stderr under cron, a StringWriter in tests.</summary>
    private sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
    {
        private readonly Lock gate = new();

        public void Emit(LogEvent logEvent)
        {
            lock (gate)
            {
                formatter.Format(logEvent, writer);
                writer.Flush();
            }
        }
    }
}
