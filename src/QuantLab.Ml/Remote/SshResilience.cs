using System.Globalization;
using System.Net.Sockets;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using QuantLab.Ml.Common;
using Renci.SshNet.Common;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>Numbers of the SSH connect/readiness pipeline (bound from Remote:Resilience).</summary>
public sealed record SshResilienceOptions
{
    /// <summary>How long a fresh host may take to accept SSH logins (a rented box boots, sshd starts, keys get installed).</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to keep reconnecting after a connection to a ready host drops.</summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>First retry delay; later ones grow exponentially with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on a single retry delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    public void Validate() => ConfigRules.Require("Remote:Resilience", Rules);

    /// <summary>The allowed values (section "Remote:Resilience"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Positive(nameof(ReadinessTimeout), ReadinessTimeout, TimeSpan.FromHours(1));
        r.Positive(nameof(ReconnectTimeout), ReconnectTimeout, TimeSpan.FromHours(1));
        r.Positive(nameof(RetryDelay), RetryDelay, TimeSpan.FromMinutes(5));
        r.Positive(nameof(MaxRetryDelay), MaxRetryDelay, TimeSpan.FromMinutes(10));
        r.Rule(RetryDelay <= MaxRetryDelay, $"RetryDelay = {RetryDelay}: must be at most Remote:Resilience:MaxRetryDelay ({MaxRetryDelay})");
    }
}

/// <summary>The one Polly pipeline for reaching an SSH host: retry refused/reset/not-yet-authorized connects with jittered backoff until a deadline.</summary>
public static class SshResilience
{
    /// <summary>
    /// Builds the pipeline. Exceptions that mean "not ready yet" are retried until <paramref name="deadline"/>; a rejected host key
    /// is never retried. The returned <see cref="Attempts"/> records the last failure so the final error can name it.
    /// </summary>
    public static ResiliencePipeline Create(SshResilienceOptions options, TimeSpan deadline, string what, TimeProvider time, ILogger log, Attempts attempts)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(attempts);
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = deadline })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsNotReadyYet),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    attempts.Failed(args.Outcome.Exception);
                    log.Warning(
                        "ssh {What} not ready (attempt {Attempt}): {Reason}; retrying in {Delay}",
                        what,
                        args.AttemptNumber + 1,
                        Describe(args.Outcome.Exception),
                        Durations.Format(args.RetryDelay));
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="connect"/> through the pipeline and turns a missed deadline into one clear error.</summary>
    public static async Task ExecuteAsync(
        SshResilienceOptions options,
        TimeSpan deadline,
        string what,
        TimeProvider time,
        ILogger log,
        Func<CancellationToken, ValueTask> connect,
        CancellationToken ct)
    {
        var attempts = new Attempts();
        var pipeline = Create(options, deadline, what, time, log, attempts);
        try
        {
            await pipeline.ExecuteAsync(static (state, token) => state(token), connect, ct).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new RemoteHostUnreachableException(
                string.Create(CultureInfo.InvariantCulture, $"ssh {what} not ready after {deadline.TotalSeconds:0} s ({attempts.Count} failed attempts); last error: {attempts.LastError ?? "attempt timed out"}"),
                ex);
        }
        catch (Exception ex) when (ex is SshAuthenticationException or SshConnectionException or SocketException)
        {
            // Not normally reached (these are retried); kept so a library change cannot leak a raw SSH.NET exception.
            throw new RemoteHostUnreachableException($"ssh {what} failed: {Describe(ex)}", ex);
        }
    }

    /// <summary>True for failures that a host which is still booting, restarting sshd or installing keys produces.</summary>
    public static bool IsNotReadyYet(Exception ex) => ex switch
    {
        HostKeyRejectedException => false,
        OperationCanceledException => false,
        SocketException or SshConnectionException or SshAuthenticationException or SshOperationTimeoutException or ProxyException or IOException => true,
        RemoteNotReadyException => true,
        _ => false,
    };

    internal static string Describe(Exception? ex) => ex switch
    {
        null => "unknown error",
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.ConnectionReset => "connection reset",
            SocketError.TimedOut => "connect timed out",
            SocketError.HostNotFound or SocketError.NoData => "host name not found",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
            _ => s.Message,
        },
        SshAuthenticationException a => "authentication failed (" + a.Message + ")",
        _ => ex.Message,
    };

    /// <summary>Failure bookkeeping of one pipeline run.</summary>
    public sealed class Attempts
    {
        private int count;
        private string? lastError;

        public int Count => Volatile.Read(ref count);

        public string? LastError => Volatile.Read(ref lastError);

        internal void Failed(Exception? ex)
        {
            Interlocked.Increment(ref count);
            Volatile.Write(ref lastError, Describe(ex));
        }
    }
}

/// <summary>The host accepted the login but failed the readiness probe (its shell is not usable yet).</summary>
public sealed class RemoteNotReadyException : QuantLabException
{
    public RemoteNotReadyException(string message) : base(message) { }
}
