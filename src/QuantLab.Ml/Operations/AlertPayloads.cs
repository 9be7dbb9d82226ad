using System.Text;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;

namespace QuantLab.Ml.Operations;

/// <summary>The JSON bodies of the three webhook shapes: generic (every field), Slack incoming webhook, Telegram sendMessage.</summary>
public static class AlertPayloads
{
    public static string Render(Alert alert, AlertOptions options, DateTimeOffset at, string host, BuildInfo build)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(build);
        return options.Format switch
        {
            AlertOptions.Slack => Json.Serialize(new SlackPayload(Text(alert, host)), OperationsJson.Compact.SlackPayload),
            AlertOptions.Telegram => Json.Serialize(new TelegramPayload(options.TelegramChatId, Text(alert, host), DisableWebPagePreview: true), OperationsJson.Compact.TelegramPayload),
            _ => Json.Serialize(
                new AlertPayload(
                    "quantlab-ml", alert.Kind, alert.Severity, alert.Summary, alert.Symbol, alert.Date, alert.JobId, alert.RunId, alert.InstanceId,
                    alert.Detail, host, at, build.Version, build.Commit, Text(alert, host)),
                OperationsJson.Compact.AlertPayload),
        };
    }

    /// <summary>The human text of chat payloads: severity, host and summary first, ids after.</summary>
    public static string Text(Alert alert, string host)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = new StringBuilder()
            .Append('[').Append(alert.Severity.ToString().ToUpperInvariant()).Append("] quantlab-ml on ").Append(host).Append(": ").Append(alert.Summary);
        if (!string.IsNullOrWhiteSpace(alert.Detail))
        {
            text.Append('\n').Append(alert.Detail);
        }

        foreach (var (name, value) in new[] { ("job", alert.JobId), ("run", alert.RunId), ("instance", alert.InstanceId) })
        {
            if (value is not null)
            {
                text.Append('\n').Append(name).Append(' ').Append(value);
            }
        }

        return text.ToString();
    }
}

/// <summary>The generic webhook body: every field of the alert, the host, the time and the build.</summary>
public sealed record AlertPayload(
    string Source, AlertKind Kind, AlertSeverity Severity, string Summary, string? Symbol, DateOnly? Date, string? JobId, string? RunId,
    string? InstanceId, string? Detail, string Host, DateTimeOffset At, string Version, string Commit, string Text);

/// <summary>A Slack incoming-webhook body.</summary>
public sealed record SlackPayload(string Text);

/// <summary>A Telegram sendMessage body.</summary>
public sealed record TelegramPayload(string? ChatId, string Text, bool DisableWebPagePreview);
