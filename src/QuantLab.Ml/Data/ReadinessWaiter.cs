using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Data;

/// <summary>Back-off of <see cref="ReadinessWaiter"/>: the first pause, its growth and its cap.</summary>
public sealed record ReadinessWaitOptions
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMinutes(1);
    public double Factor { get; init; } = 2.0;
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(15);

    public void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero || MaxDelay < InitialDelay || Factor < 1.0 || double.IsNaN(Factor) || double.IsInfinity(Factor))
        {
            throw new UsageException($"data wait: need initial_delay > 0, max_delay >= initial_delay and factor >= 1 (got {Durations.Format(InitialDelay)}, {Durations.Format(MaxDelay)}, {Factor})");
        }
    }
}

/// <summary>How a wait for data ended: the last report, how long it took and how many checks ran.</summary>
public sealed record ReadinessWaitResult
{
    public required ReadinessReport Report { get; init; }
    public required TimeSpan Waited { get; init; }
    public required int Checks { get; init; }
}

/// <summary>Repeats a readiness check with exponential back-off until the data is Ready or Failed or the wait (--wait-for-data) runs out.</summary>
public sealed class ReadinessWaiter
{
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly ReadinessWaitOptions options;

    public ReadinessWaiter(TimeProvider time, ILogger log, ReadinessWaitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        this.time = time;
        this.log = log.ForContext<ReadinessWaiter>();
        this.options = options ?? new ReadinessWaitOptions();
        this.options.Validate();
    }

    /// <summary>
    /// Runs <paramref name="check"/> now and again after 1, 2, 4 … (capped) minutes while it says NotReady, never sleeping past
    /// <paramref name="maxWait"/>; with a zero wait it checks once.
    /// </summary>
    public async Task<ReadinessWaitResult> WaitAsync(Func<CancellationToken, Task<ReadinessReport>> check, TimeSpan maxWait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (maxWait < TimeSpan.Zero)
        {
            throw new UsageException($"--wait-for-data must not be negative, got {Durations.Format(maxWait)}");
        }

        var started = time.GetTimestamp();
        var delay = options.InitialDelay;
        for (var checks = 1; ; checks++)
        {
            var report = await check(ct).ConfigureAwait(false);
            var waited = time.GetElapsedTime(started);
            log.Information("Data check {Check}: {Status} after waiting {Waited}: {Reasons}", checks, ReadinessReport.Words(report.Status), Durations.Format(waited), string.Join("; ", report.Reasons));
            var left = maxWait - waited;
            if (report.Status != ReadinessStatus.NotReady || left <= TimeSpan.Zero)
            {
                if (report.Status == ReadinessStatus.NotReady && maxWait > TimeSpan.Zero)
                {
                    log.Warning("Gave up waiting for data after {Waited} and {Checks} checks", Durations.Format(waited), checks);
                }

                return new ReadinessWaitResult { Report = report, Waited = waited, Checks = checks };
            }

            var pause = delay < left ? delay : left;
            log.Information("Data not ready; next check in {Delay} ({Left} of {MaxWait} left)", Durations.Format(pause), Durations.Format(left), Durations.Format(maxWait));
            await Task.Delay(pause, time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks((long)Math.Min(delay.Ticks * options.Factor, options.MaxDelay.Ticks));
        }
    }
}
