using Polly;
using Polly.Retry;
using Polly.Timeout;
using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Vast;

/// <summary>
/// The one Polly pipeline for Vast calls: retry (idempotent calls only) → per-endpoint pacing → per-call timeout.
/// Numbers come from <see cref="VastOptions"/>; time from the given <see cref="TimeProvider"/>.
/// </summary>
internal static class VastResilience
{
    /// <summary>Which endpoint a call goes to (for pacing and logs).</summary>
    public static readonly ResiliencePropertyKey<VastEndpoint> EndpointKey = new("quantlab.vast.endpoint");

    /// <summary>Whether the call may be repeated safely; a create never may.</summary>
    public static readonly ResiliencePropertyKey<bool> IdempotentKey = new("quantlab.vast.idempotent");

    public static ResiliencePipeline<VastHttpResponse> Create(VastOptions options, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pacer = new VastPacer(options.Pacing, time);
        var retry = new RetryStrategyOptions<VastHttpResponse>
        {
            MaxRetryAttempts = Math.Max(1, options.Backoff.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.Backoff.BaseDelay,
            MaxDelay = options.Backoff.MaxDelay,
            ShouldHandle = args => ValueTask.FromResult(
                options.Backoff.MaxRetries > 0
                && args.Context.Properties.GetValue(IdempotentKey, false)
                && IsTransient(args.Outcome)),
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Result?.RetryAfter is { } after && after > TimeSpan.Zero
                    ? (TimeSpan?)(after < options.Backoff.MaxDelay ? after : options.Backoff.MaxDelay)
                    : null),
            OnRetry = args =>
            {
                // The text reads as a person writes a duration; DelayMs keeps the exact figure for queries on the log.
                log.ForContext("DelayMs", args.RetryDelay.TotalMilliseconds).Warning(
                    "Vast {Endpoint} attempt {Attempt} failed ({Reason}); retrying in {Delay}",
                    args.Context.Properties.GetValue(EndpointKey, default),
                    args.AttemptNumber + 1,
                    Reason(args.Outcome),
                    Durations.Format(args.RetryDelay));
                return ValueTask.CompletedTask;
            },
        };

        return new ResiliencePipelineBuilder<VastHttpResponse> { TimeProvider = time }
            .AddRetry(retry)
            .AddStrategy(_ => new PacingStrategy(pacer))
            .AddTimeout(new TimeoutStrategyOptions
            {
                // A create gets the CLI's long limit; every other call the short one.
                TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.Properties.GetValue(EndpointKey, default) == VastEndpoint.CreateInstance ? options.CreateTimeout : options.RequestTimeout),
            })
            .Build();
    }

    /// <summary>429, 502/503/504, network errors and timeouts: failures that another try may not see.</summary>
    public static bool IsTransient(Outcome<VastHttpResponse> outcome) => outcome switch
    {
        { Exception: HttpRequestException } => true,
        { Exception: TimeoutRejectedException } => true,

        // HttpClient.Timeout (when the caller left it shorter than ours) surfaces as a cancellation wrapping a TimeoutException.
        { Exception: TaskCanceledException { InnerException: TimeoutException } } => true,
        { Result: { } r } => IsTransientStatus(r.StatusCode),
        _ => false,
    };

    public static bool IsTransientStatus(int status) => status is 429 or 502 or 503 or 504;

    private static string Reason(Outcome<VastHttpResponse> outcome) =>
        outcome.Result is { } r ? $"HTTP {r.StatusCode}" : outcome.Exception?.GetType().Name ?? "unknown";

    /// <summary>Waits for the endpoint's turn before each attempt, so retries are paced too.</summary>
    private sealed class PacingStrategy(VastPacer pacer) : ResilienceStrategy
    {
        protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            if (context.Properties.TryGetValue(EndpointKey, out var endpoint))
            {
                try
                {
                    await pacer.WaitTurnAsync(endpoint, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
                }
                catch (OperationCanceledException ex)
                {
                    return Outcome.FromException<TResult>(ex);
                }
            }

            return await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        }
    }
}

/// <summary>One HTTP answer from Vast, read in full inside the pipeline so the per-call timeout covers the body too.</summary>
internal sealed record VastHttpResponse
{
    public required int StatusCode { get; init; }
    public string? MediaType { get; init; }
    public required string Body { get; init; }
    public TimeSpan? RetryAfter { get; init; }
}
