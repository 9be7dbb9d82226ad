using QuantLab.Ml.Configuration;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Storage;
using Serilog;

namespace QuantLab.Ml.Operations;

/// <summary>
/// What run-daily tells the outside world when it ends: alerts (failed or not-ready symbols, promotions, an aborted run) and
/// the Prometheus textfile. Nothing here may fail the run: every problem is logged and swallowed.
/// </summary>
public sealed class NightlyReporter
{
    private readonly NightlyReportOptions options;
    private readonly IAlertNotifier alerts;
    private readonly Func<ModelRegistry> registry;
    private readonly ILiveInstanceSource? instances;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly DateTimeOffset startedAt;

    /// <summary>
    /// Create it before the pipeline runs: it validates the Alerts and Metrics sections (bad values are exit 2 at start, not a
    /// silent night). The registry is opened only when the metrics file is written, so a store that cannot be opened still
    /// gets its failure alerted.
    /// </summary>
    public NightlyReporter(NightlyReportOptions options, IAlertNotifier alerts, Func<ModelRegistry> registry, ILiveInstanceSource? instances, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Alerts.Validate();
        options.Metrics.Validate();
        this.options = options;
        this.alerts = alerts;
        this.registry = registry;
        this.instances = instances;
        this.time = time;
        this.log = log;
        startedAt = time.GetUtcNow();
    }

    /// <summary>The reporter of a configuration, alerting through its webhook.</summary>
    public static NightlyReporter Create(NightlyReportOptions options, Func<ModelRegistry> registry, ILiveInstanceSource? instances, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new NightlyReporter(options, WebhookAlertNotifier.Create(options.Alerts, time, log), registry, instances, time, log);
    }

    /// <summary>
    /// Runs the night and reports it: <see cref="RunFinishedAsync"/> when it returns, <see cref="RunAbortedAsync"/> (then
    /// rethrows) when it throws. A dry run reports nothing: it trained nothing and rented nothing.
    /// </summary>
    public async Task<RunDailyResult> RunAsync(Func<CancellationToken, Task<RunDailyResult>> night, bool dryRun, string? runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(night);
        RunDailyResult result;
        try
        {
            result = await night(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!dryRun)
        {
            // Its own token: an interrupted run must still say so before the process ends. After SIGTERM the process has
            // only its cleanup budget left: the alert and the metrics get one store write's budget (Shutdown:StoreWriteBudget),
            // so a hanging webhook (up to Attempts × Timeout) cannot push the process past the termination window.
            using var budget = new CancellationTokenSource(options.WriteBudget, time);
            var token = ct.IsCancellationRequested ? budget.Token : CancellationToken.None;
            try
            {
                await RunAbortedAsync(runId, ex, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                log.Warning("The abort alert and metrics did not finish within the cleanup budget {Budget}; exiting without them", Common.Durations.Format(options.WriteBudget));
            }

            throw;
        }

        if (!dryRun)
        {
            await RunFinishedAsync(result, ct).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>The pipeline returned: alert on each failed/not-ready symbol and each promotion, then write the metrics file.</summary>
    public async Task RunFinishedAsync(RunDailyResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var run in result.Runs)
        {
            if (run.Status is RunStatus.Failed or RunStatus.NotReady)
            {
                await alerts.NotifyAsync(Alert.RunFailed(run, result.RunId), ct).ConfigureAwait(false);
            }
            else if (run.Promotion?.Decision == RunDecision.Promoted && options.Alerts.OnPromotion)
            {
                await alerts.NotifyAsync(Alert.Promoted(run, result.RunId), ct).ConfigureAwait(false);
            }
        }

        var succeeded = result.Runs.All(r => r.Status is not (RunStatus.Failed or RunStatus.NotReady));
        await WriteMetricsAsync(result.Runs.Select(r => r.Symbol), succeeded, ct).ConfigureAwait(false);
    }

    /// <summary>The pipeline threw (store unreachable, interrupted, a bug): alert and record the failed invocation.</summary>
    /// <remarks>Call with a token that is not the cancelled run's: the alert must still go out after SIGTERM (the notifier bounds its own time).</remarks>
    public async Task RunAbortedAsync(string? runId, Exception error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(error);
        var reason = error is OperationCanceledException ? "interrupted (SIGINT/SIGTERM)" : $"{error.GetType().Name}: {error.Message}";
        await alerts.NotifyAsync(Alert.RunAborted(runId, reason), ct).ConfigureAwait(false);
        await WriteMetricsAsync([], succeeded: false, ct).ConfigureAwait(false);
    }

    private async Task WriteMetricsAsync(IEnumerable<string> ranSymbols, bool succeeded, CancellationToken ct)
    {
        if (!options.Metrics.Enabled)
        {
            return;
        }

        var finished = time.GetUtcNow();
        var invocation = new RunInvocation(finished, succeeded, (finished - startedAt).TotalSeconds);
        StatusReport report;
        try
        {
            var symbols = options.Symbols.Concat(ranSymbols).Distinct(StringComparer.Ordinal).ToList();
            report = await new StatusReader(registry(), instances, time).ReadAsync(symbols, StatusReader.DefaultMaxAge, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The store is what failed: still publish that the invocation failed, without per-symbol series.
            log.Warning("Could not read the store for the metrics file; writing the invocation outcome only: {Reason}", ex.Message);
            report = new StatusReport
            {
                CheckedAt = finished, Store = "unknown", MaxAgeHours = StatusReader.DefaultMaxAge.TotalHours, Healthy = false,
                Symbols = [], InstancesKnown = false,
            };
        }

        try
        {
            var path = await MetricsTextfileWriter.WriteAsync(options.Metrics, PrometheusTextfile.Render(report, invocation, BuildInfo.Current), ct).ConfigureAwait(false);
            log.Debug("Metrics written to {MetricsFile}", path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warning("Could not write the metrics file in {MetricsDir}: {Reason}", options.Metrics.TextfileDir, ex.Message);
        }
    }
}

/// <summary>What the reporter needs of the configuration: where to alert, where to write metrics, the symbols of a night and its cleanup bound.</summary>
public sealed record NightlyReportOptions
{
    public required AlertOptions Alerts { get; init; }
    public required MetricsOptions Metrics { get; init; }

    /// <summary>The configured symbols, so the metrics file has a line for each even when a symbol did not run.</summary>
    public IReadOnlyList<string> Symbols { get; init; } = [];

    /// <summary>How long the abort alert and metrics may take after SIGTERM (Shutdown:StoreWriteBudget).</summary>
    public TimeSpan WriteBudget { get; init; } = TimeBudget.Default.StoreWriteBudget;
}
