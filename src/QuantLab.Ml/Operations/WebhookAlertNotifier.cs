using System.Net;
using System.Text;
using QuantLab.Ml.Common;
using Serilog;
using Serilog.Events;

namespace QuantLab.Ml.Operations;

/// <summary>Logs every alert and POSTs it as JSON to the configured webhook, retrying transient failures; never throws.</summary>
public sealed class WebhookAlertNotifier : IAlertNotifier
{
    private const int MaxReasonChars = 300;

    // One client for the process: alerts are rare and the CLI is short-lived, so no factory or pooling concerns.
    private static readonly HttpClient SharedClient = new() { Timeout = Timeout.InfiniteTimeSpan };

    private readonly AlertOptions options;
    private readonly HttpClient http;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly BuildInfo build;

    public WebhookAlertNotifier(AlertOptions options, HttpClient? http, TimeProvider time, ILogger log, BuildInfo? build = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Validate();
        this.http = http ?? SharedClient;
        this.time = time;
        this.log = log;
        this.build = build ?? BuildInfo.Current;
    }

    /// <summary>The notifier for a configuration: this class, which only logs when no webhook is configured.</summary>
    public static IAlertNotifier Create(AlertOptions options, TimeProvider time, ILogger log) => new WebhookAlertNotifier(options, null, time, log);

    public async Task<bool> NotifyAsync(Alert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var level = alert.Severity switch
        {
            AlertSeverity.Critical => LogEventLevel.Error,
            AlertSeverity.Warning => LogEventLevel.Warning,
            _ => LogEventLevel.Information,
        };
        log.Write(level, "Alert {AlertKind}: {AlertSummary}", KindName(alert.Kind), alert.Summary);
        if (!options.Enabled)
        {
            log.Debug("No Alerts:WebhookUrl configured; the alert is only in the log");
            return false;
        }

        var body = AlertPayloads.Render(alert, options, time.GetUtcNow(), Environment.MachineName, build);
        string reason = "not attempted";
        var attempt = 0;
        while (++attempt <= options.Attempts)
        {
            var outcome = await PostAsync(body, ct).ConfigureAwait(false);
            if (outcome.Delivered)
            {
                log.Debug("Alert {AlertKind} delivered to {Webhook} (attempt {Attempt})", KindName(alert.Kind), options.MaskedWebhook(), attempt);
                return true;
            }

            reason = outcome.Reason;
            if (!outcome.Retry || attempt == options.Attempts || ct.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        log.Warning(
            "Alert {AlertKind} was NOT delivered to {Webhook} after {Attempts} attempt(s): {Reason}",
            KindName(alert.Kind), options.MaskedWebhook(), Math.Min(attempt, options.Attempts), reason);
        return false;
    }

    /// <summary>The snake_case name the payloads use, so log lines and receivers agree.</summary>
    private static string KindName(AlertKind kind) => Json.Serialize(kind, indented: false).Trim('"');

    private async Task<(bool Delivered, bool Retry, string Reason)> PostAsync(string body, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(options.WebhookUri, content, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (true, false, "delivered");
            }

            var answer = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var retry = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            return (false, retry, Mask($"HTTP {status} {response.ReasonPhrase}: {answer}"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (false, false, "cancelled");
        }
        catch (OperationCanceledException)
        {
            return (false, true, $"no answer within {options.Timeout.TotalSeconds:F0} s");
        }
        catch (HttpRequestException ex)
        {
            return (false, true, Mask(ex.Message));
        }
    }

    // Receivers and the HTTP stack may echo the URL, whose path is the secret.
    private string Mask(string text)
    {
        var uri = options.WebhookUri;
        var masked = text.ReplaceLineEndings(" ")
            .Replace(options.WebhookUrl!.Trim(), options.MaskedWebhook(), StringComparison.Ordinal)
            .Replace(uri.AbsoluteUri, options.MaskedWebhook(), StringComparison.Ordinal);
        if (uri.PathAndQuery.Length > 1)
        {
            masked = masked.Replace(uri.PathAndQuery, "/***", StringComparison.Ordinal);
        }

        return masked.Length > MaxReasonChars ? masked[..MaxReasonChars] + "…" : masked;
    }
}
