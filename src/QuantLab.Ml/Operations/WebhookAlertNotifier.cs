using System.Net;
using System.Text;
using Polly;
using Polly.Retry;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using Serilog;
using Serilog.Events;

namespace QuantLab.Ml.Operations;

/// <summary>
/// Logs every alert and POSTs it as JSON to the configured webhook through the house's Polly pipeline: transient failures
/// (5xx, 408, 429, no answer, network) are retried up to Alerts:Attempts in all, 1 s, 2 s, 4 s … apart, or after the
/// receiver's Retry-After, never longer than <see cref="MaxRetryDelay"/>. Never throws.
/// </summary>
public sealed class WebhookAlertNotifier : IAlertNotifier
{
    private const int MaxReasonChars = 300;

    /// <summary>The longest pause between two attempts, also for a Retry-After that asks for more: an alert late by minutes is worth little.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // One client for the process: alerts are rare and the CLI is short-lived, so no factory or pooling concerns.
    private static readonly HttpClient SharedClient = new() { Timeout = Timeout.InfiniteTimeSpan };

    private readonly AlertOptions options;
    private readonly HttpClient http;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly BuildInfo build;
    private readonly ResiliencePipeline<PostOutcome> pipeline;

    public WebhookAlertNotifier(AlertOptions options, HttpClient? http, TimeProvider time, ILogger log, BuildInfo? build = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Validate();
        this.http = http ?? SharedClient;
        this.time = time;
        this.log = log;
        this.build = build ?? BuildInfo.Current;
        pipeline = BuildPipeline();
    }

    /// <summary>How one POST ended: delivered, or why not and whether another try may see something else.</summary>
    private sealed record PostOutcome(bool Delivered, bool Retry, string Reason, TimeSpan? RetryAfter = null);

    private ResiliencePipeline<PostOutcome> BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder<PostOutcome> { TimeProvider = time };
        if (options.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<PostOutcome>
            {
                MaxRetryAttempts = options.Attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Delivered: false, Retry: true }),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result?.RetryAfter is { } after && after > TimeSpan.Zero
                        ? (TimeSpan?)(after < MaxRetryDelay ? after : MaxRetryDelay)
                        : null),
                OnRetry = args =>
                {
                    log.Warning(
                        "Alert webhook attempt {Attempt} failed ({Reason:l}); retrying in {Delay:l}",
                        args.AttemptNumber + 1, args.Outcome.Result?.Reason ?? "no answer", Durations.Format(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
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
        var attempts = 0;
        PostOutcome outcome;
        try
        {
            outcome = await pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    return await PostAsync(body, token).ConfigureAwait(false);
                },
                ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new PostOutcome(false, false, "cancelled");
        }

        if (outcome.Delivered)
        {
            log.Debug("Alert {AlertKind} delivered to {Webhook} (attempt {Attempt})", KindName(alert.Kind), options.MaskedWebhook(), attempts);
            return true;
        }

        log.Warning(
            "Alert {AlertKind} was NOT delivered to {Webhook} after {Attempts} attempt(s): {Reason}",
            KindName(alert.Kind), options.MaskedWebhook(), attempts, outcome.Reason);
        return false;
    }

    /// <summary>The snake_case name the payloads use, so log lines and receivers agree.</summary>
    private static string KindName(AlertKind kind) => Json.Name(kind, OperationsJson.Compact.AlertKind);

    private async Task<PostOutcome> PostAsync(string body, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(options.WebhookUri, content, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new PostOutcome(true, false, "delivered");
            }

            var answer = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var retry = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            return new PostOutcome(false, retry, Mask($"HTTP {status} {response.ReasonPhrase}: {answer}"), RetryAfter(response));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new PostOutcome(false, false, "cancelled");
        }
        catch (OperationCanceledException)
        {
            return new PostOutcome(false, true, $"no answer within {Durations.Format(options.Timeout)}");
        }
        catch (HttpRequestException ex)
        {
            return new PostOutcome(false, true, Mask(ex.Message));
        }
    }

    /// <summary>The receiver's Retry-After (seconds or a date), as a pause from now.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

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
