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
/// Serilog set-up. stderr gets coloured, short lines on a terminal (no colour with NO_COLOR) and plain lines with a full
/// timestamp otherwise (cron, a pipe); under systemd (JOURNAL_STREAM set) each line starts with its syslog priority
/// ("&lt;3&gt;" error, "&lt;4&gt;" warning, "&lt;6&gt;" info, "&lt;7&gt;" debug) so `journalctl -p err` finds the errors. A
/// command with a run folder also writes there: quantlab-ml.log (the plain lines, for `less` and `quantlab-ml logs`) and
/// quantlab-ml.clef (compact JSON with the run id on every event, for tools).
/// </summary>
internal static class Logging
{
    private const string TerminalTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private const string PlainTemplate = "{Timestamp:yyyy-MM-dd'T'HH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>The readable log file of a run folder.</summary>
    public const string TextLogFile = "quantlab-ml.log";

    /// <summary>The structured (compact JSON) log file of a run folder.</summary>
    public const string ClefLogFile = "quantlab-ml.clef";

    public static Logger Create(TextWriter err, bool verbose, string? clefFile, bool journal = false)
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
            : config.WriteTo.Sink(new TextWriterSink(err, new MessageTemplateTextFormatter(PlainTemplate, CultureInfo.InvariantCulture), journal));
        if (clefFile is not null)
        {
            var runDir = Path.GetDirectoryName(clefFile)!;
            Directory.CreateDirectory(runDir);

            // The run folder's name is the run id; the job id is pushed by the pipeline once the job is planned.
            config = config.Enrich.WithProperty("RunId", Path.GetFileName(runDir))
                .WriteTo.File(new CompactJsonFormatter(), clefFile, restrictedToMinimumLevel: LogEventLevel.Debug)
                .WriteTo.File(
                    Path.Combine(runDir, TextLogFile),
                    outputTemplate: PlainTemplate,
                    formatProvider: CultureInfo.InvariantCulture,
                    restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Information);
        }

        return config.CreateLogger();
    }

    /// <summary>Only the real stderr of an interactive session is a terminal; tests pass their own writer.</summary>
    public static bool IsTerminal(TextWriter err) => ReferenceEquals(err, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>True when stderr goes to the systemd journal (systemd sets JOURNAL_STREAM for a unit's stdout/stderr).</summary>
    public static bool IsJournal(IReadOnlyDictionary<string, string?> environment, TextWriter err) =>
        !IsTerminal(err) && environment.GetValueOrDefault("JOURNAL_STREAM") is { Length: > 0 };

    /// <summary>The syslog priority sd-daemon(3) reads from a line's "&lt;N&gt;" prefix.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <summary>Writes formatted events to a writer; stderr under cron or systemd, a StringWriter in tests.</summary>
    private sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter, bool journal) : ILogEventSink
    {
        private readonly Lock gate = new();

        public void Emit(LogEvent logEvent)
        {
            lock (gate)
            {
                if (journal)
                {
                    // Every line of the event (an exception's too) carries the priority: journald reads each line alone.
                    using var text = new StringWriter(CultureInfo.InvariantCulture);
                    formatter.Format(logEvent, text);
                    var prefix = string.Create(CultureInfo.InvariantCulture, $"<{Priority(logEvent.Level)}>");
                    foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        writer.Write(prefix);
                        writer.Write(line.TrimEnd('\r'));
                        writer.Write('\n');
                    }
                }
                else
                {
                    formatter.Format(logEvent, writer);
                }

                writer.Flush();
            }
        }
    }
}
