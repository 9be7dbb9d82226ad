using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace QuantLab.Ml.Tests.Remote;

/// <summary>A Serilog sink that keeps every event, so tests can check what the operator would read (and what must never appear).</summary>
internal sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> events = new();

    public CapturedLog() => Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public IReadOnlyList<LogEvent> Events => events.ToArray();

    public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);

    public IEnumerable<string> Messages => events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Rendered messages, templates, property values and exception texts, all of it.</summary>
    public string Everything => string.Join(
        "\n",
        events.Select(e => string.Join(
            " | ",
            e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture),
            e.MessageTemplate.Text,
            string.Join(",", e.Properties.Select(p => p.Key + "=" + p.Value)),
            e.Exception?.ToString() ?? string.Empty)));
}
