using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace QuantLab.Ml.Cli;

/// <summary>Serilog set-up: human lines on stderr, and a compact-JSON file per run when the command has a run folder.</summary>
internal static class Logging
{
    private const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger Create(TextWriter err, bool verbose, string? clefFile)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .Enrich.FromLogContext()
            .WriteTo.Sink(new TextWriterSink(err, new MessageTemplateTextFormatter(ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture)));
        if (clefFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(clefFile)!);
            config = config.WriteTo.File(new CompactJsonFormatter(), clefFile, restrictedToMinimumLevel: LogEventLevel.Debug);
        }

        return config.CreateLogger();
    }

    /// <summary>Writes formatted events to a writer; stderr in production, a StringWriter in tests.</summary>
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
