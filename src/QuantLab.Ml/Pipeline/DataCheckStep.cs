using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Step 1: which day to train (yesterday, --date, or --date latest: the newest ready day without a finished job) and
/// whether its window of compact data is complete; waits for it with --wait-for-data. Not ready is its own outcome.
/// </summary>
internal sealed class DataCheckStep(RunScope scope)
{
    private const int LatestLookbackDays = 14;

    private PipelineContext Context => scope.Context;

    public async Task<DateOnly> ResolveDateAsync(string symbol, RunDailyRequest request, CancellationToken ct)
    {
        if (request.Date is { } explicitDate)
        {
            return explicitDate;
        }

        var yesterday = TradingDate.YesterdayUtc(Context.Time);
        if (!request.Latest)
        {
            return yesterday;
        }

        for (var d = yesterday; d > yesterday.AddDays(-LatestLookbackDays); d = d.AddDays(-1))
        {
            if (await Context.Registry.GetCandidateAsync(symbol, d, ct).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var report = await CheckWindowAsync(symbol, d, ct).ConfigureAwait(false);
            if (report.Status == ReadinessStatus.Ready)
            {
                Context.Log.Information("--date latest resolved to {Date}", TradingDate.Iso(d));
                return d;
            }
        }

        throw new DataNotReadyException($"no ready day without a finished job for {symbol} in the {LatestLookbackDays} days up to {TradingDate.Iso(yesterday)}");
    }

    /// <summary>The day's readiness when it is ready; throws <see cref="DataNotReadyException"/> when it is not, and a plain failure when the check itself failed.</summary>
    public async Task<ReadinessReport> CheckAsync(string symbol, DateOnly date, TimeSpan? wait, CancellationToken ct)
    {
        var report = await scope.Audit.StepAsync("data_check", symbol, null, () => CheckOrWaitAsync(symbol, date, wait, ct)).ConfigureAwait(false);
        if (report.Status == ReadinessStatus.NotReady)
        {
            throw new DataNotReadyException($"{symbol} {TradingDate.Iso(date)}: {string.Join("; ", report.Reasons)}");
        }

        if (report.Status != ReadinessStatus.Ready)
        {
            throw new QuantLabException($"{symbol} {TradingDate.Iso(date)} data check failed: {string.Join("; ", report.Reasons)}");
        }

        return report;
    }

    private async Task<ReadinessReport> CheckOrWaitAsync(string symbol, DateOnly date, TimeSpan? wait, CancellationToken ct)
    {
        var options = Context.Options;
        Task<ReadinessReport> Check(CancellationToken token) => CheckWindowAsync(symbol, date, token);

        if (wait is not { } maxWait || maxWait <= TimeSpan.Zero)
        {
            return await Check(ct).ConfigureAwait(false);
        }

        var waiter = new ReadinessWaiter(Context.Time, Context.Log, new ReadinessWaitOptions
        {
            InitialDelay = options.DataWait.InitialDelay,
            Factor = options.DataWait.Factor,
            MaxDelay = options.DataWait.MaxDelay,
        });
        var outcome = await waiter.WaitAsync(Check, maxWait, ct).ConfigureAwait(false);
        if (outcome.Report.Status == ReadinessStatus.NotReady)
        {
            throw new DataNotReadyException(
                $"{symbol} {TradingDate.Iso(date)} still not ready after waiting {Durations.Format(outcome.Waited)}: {string.Join("; ", outcome.Report.Reasons)}");
        }

        return outcome.Report;
    }

    /// <summary>The readiness of the window ending on <paramref name="date"/>, read from the market's own exchange.</summary>
    private Task<ReadinessReport> CheckWindowAsync(string symbol, DateOnly date, CancellationToken ct)
    {
        var options = Context.Options;
        var market = Market.Parse(symbol, options.Exchange);
        return ReadinessChecker.CheckWindowAsync(Context.Data, market.Exchange, options.Stream, market.Symbol, date, options.WindowDays, options.DataCheck, ct);
    }
}
