using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Pipeline;

/// <summary>What every step of one run-daily shares: its parts, its id, its audit trail and its time bounds.</summary>
internal sealed class RunScope(PipelineContext context)
{
    public PipelineContext Context => context;

    public AuditTrail Audit { get; } = new(context.RunDir, context.Time);

    public ILogger Log => context.Log;

    /// <summary>run-&lt;utc stamp&gt;-&lt;pid&gt;: the name of this invocation's folder.</summary>
    public string RunId => Path.GetFileName(context.RunDir);

    /// <summary>The longest one job may legitimately live, all stage limits and margins summed (its lock lasts this long).</summary>
    public TimeSpan JobLife => context.Budget?.LongestJobLife ?? context.Options.Runtime.Hard;

    /// <summary>The bound of one store write in cleanup: after SIGTERM it runs inside the termination window.</summary>
    public TimeSpan WriteBudget => context.Budget?.StoreWriteBudget ?? TimeBudget.Default.StoreWriteBudget;

    /// <summary>One symbol's failure as its result: not ready (data), failed (expected, one line) or failed unexpectedly.</summary>
    public SymbolRunResult FailureOf(string symbol, DateOnly? date, string? jobId, Exception ex, long started)
    {
        switch (ex)
        {
            case DataNotReadyException:
                Log.Warning("Data not ready for {Symbol}: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.NotReady, ex.Message, started);
            case QuantLabException:
                Log.Error("Run for {Symbol} failed: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.Failed, ex.Message, started);
            default:
                Log.Debug(ex, "Unexpected failure of {Symbol}", symbol);
                Log.Error("Run for {Symbol} failed unexpectedly: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.Failed, $"unexpected {ex.GetType().Name}: {ex.Message}", started);
        }
    }

    /// <summary>A run whose machine could not be destroyed: failed for the billing risk, saying what became of its model.</summary>
    public static SymbolRunResult WithTeardownFailure(SymbolRunResult result, string leak)
    {
        var model = result.Status != RunStatus.Succeeded ? null
            : result.Promotion?.Decision == RunDecision.Promoted ? "the trained model was stored and promoted"
            : "the trained model was stored as the candidate";
        var error = string.Join("; ", new[] { result.Error, leak, model }.Where(s => !string.IsNullOrEmpty(s)));
        return result with { Status = RunStatus.Failed, Error = error };
    }

    /// <summary>The job a prepared day trains: its spec, dataset and the champion's files to re-score.</summary>
    public static TrainingJob TrainingJobOf(PreparedDay day, ChampionSetup? champion) => new()
    {
        Spec = day.Planned.Spec,
        JobFile = day.Planned.JobFile,
        DatasetFile = day.Planned.Dataset.NpzPath,
        ProductionModelFile = champion?.ModelFile,
        ProductionDataFile = champion?.DataFile,
        OutputDir = Path.Combine(day.JobDir, "out"),
    };

    /// <summary>Releases a job's lock on a bound of its own; a failure is logged, the lock then expires.</summary>
    public async Task ReleaseLockAsync(PreparedDay day)
    {
        using var bound = new CancellationTokenSource(WriteBudget, context.Time);
        try
        {
            await day.Locks.ReleaseAsync(day.Lock, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            Log.Error("Could not release the lock of {Symbol} {Date}; it expires at {ExpiresAt:u}: {Reason}", day.Planned.Spec.Symbol, TradingDate.Iso(day.Planned.Spec.Date), day.Lock.Lock?.ExpiresAt, ex.Message);
        }
    }

    private SymbolRunResult Outcome(string symbol, DateOnly? date, string? jobId, RunStatus status, string error, long started) => new()
    {
        Symbol = symbol,
        Date = date,
        JobId = jobId,
        Status = status,
        Error = error,
        DurationSeconds = context.Time.GetElapsedTime(started).TotalSeconds,
    };
}
