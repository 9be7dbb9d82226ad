using System.Text;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Operations;

/// <summary>Where alerts go (section "Alerts"): one webhook, with a generic, Slack or Telegram payload.</summary>
public sealed record AlertOptions
{
    public const string Generic = "generic";
    public const string Slack = "slack";
    public const string Telegram = "telegram";

    /// <summary>The webhook; a secret (Slack and Telegram put their token in it), so keep it in the env file: QUANTLAB_Alerts__WebhookUrl.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>generic (structured JSON), slack ({"text"}) or telegram ({"chat_id","text"} for sendMessage).</summary>
    public string Format { get; set; } = Generic;

    /// <summary>The chat a Telegram bot posts to; required with Format telegram.</summary>
    public string? TelegramChatId { get; set; }

    /// <summary>Time allowed for one delivery attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Delivery attempts (transport errors, timeouts, 5xx and 429 are retried; other 4xx are not).</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Also alert on promotions (failures, leaks and rollbacks always alert).</summary>
    public bool OnPromotion { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(WebhookUrl);

    /// <summary>The parsed webhook address; throws <see cref="UsageException"/> when it is not an absolute http(s) URL.</summary>
    public Uri WebhookUri =>
        Uri.TryCreate(WebhookUrl?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new UsageException("Alerts:WebhookUrl must be an absolute http(s) URL");

    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting.</summary>
    public AlertOptions Validate()
    {
        if (Format is not (Generic or Slack or Telegram))
        {
            throw new UsageException($"Alerts:Format must be generic, slack or telegram, got '{SymbolName.Printable(Format)}'");
        }

        if (Enabled)
        {
            _ = WebhookUri;
        }

        if (Format == Telegram && Enabled && string.IsNullOrWhiteSpace(TelegramChatId))
        {
            throw new UsageException("Alerts:TelegramChatId is required with Alerts:Format telegram");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(2))
        {
            throw new UsageException($"Alerts:Timeout must be more than 0 and at most 2 min, got {Durations.Format(Timeout)}");
        }

        if (Attempts is < 1 or > 10)
        {
            throw new UsageException($"Alerts:Attempts must be 1..10, got {Attempts}");
        }

        return this;
    }

    /// <summary>Scheme and host only: what may be shown of the webhook (its path carries the token).</summary>
    public string MaskedWebhook() => MaskUrl(WebhookUrl);

    internal static string MaskUrl(string? url) =>
        string.IsNullOrWhiteSpace(url) ? "none"
        : Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}/***"
        : "***";

    // Records print every property; the webhook must never reach a log line or an exception message this way.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("WebhookUrl = ").Append(MaskedWebhook()).Append(", Format = ").Append(Format)
            .Append(", Attempts = ").Append(Attempts).Append(", Timeout = ").Append(Timeout);
        return true;
    }
}
