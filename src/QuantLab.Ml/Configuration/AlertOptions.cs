using System.Text;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

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

    public const string Section = "Alerts";

    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting.</summary>
    public AlertOptions Validate()
    {
        ConfigRules.Require(Section, Rules);
        return this;
    }

    /// <summary>The allowed values (section "Alerts"); one line per key. The webhook is never echoed (it carries a token).</summary>
    internal void Rules(ConfigRules r)
    {
        r.OneOf(nameof(Format), Format, Generic, Slack, Telegram);
        r.Allows(nameof(WebhookUrl), "unset or an absolute http(s) URL (a secret: keep it in the env file)");
        r.Rule(!Enabled || Uri.TryCreate(WebhookUrl?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp),
            "WebhookUrl must be an absolute http(s) URL");
        r.Rule(!(Format == Telegram && Enabled && string.IsNullOrWhiteSpace(TelegramChatId)), "TelegramChatId is required with Alerts:Format telegram");
        r.Positive(nameof(Timeout), Timeout, TimeSpan.FromMinutes(2));
        r.Whole(nameof(Attempts), Attempts, 1, 10);
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
