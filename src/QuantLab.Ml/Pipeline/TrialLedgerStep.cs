using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>The symbol's trial ledger: every evaluation is counted before anything is promoted, and DSR deflates by all of them.</summary>
internal sealed class TrialLedgerStep(RunScope scope)
{
    private PipelineContext Context => scope.Context;

    /// <summary>
    /// The per-bar Sharpe ratios of the symbol's earlier trials from the ledger. A store from before the ledger counts its
    /// completed candidates on days the ledger does not know as trials of unknown Sharpe (they raise N, not the variance).
    /// </summary>
    public async Task<IReadOnlyList<double>> PriorTrialsAsync(string symbol, DateOnly date, CancellationToken ct)
    {
        var ledger = await new TrialLedger(Context.Registry.Store).ReadAsync(symbol, ct).ConfigureAwait(false);
        var known = ledger.Select(t => t.Date).ToHashSet();
        var stored = await Context.Registry.ListCandidatesAsync(symbol, ct).ConfigureAwait(false);
        var unrecorded = stored.Count(c => c.Date != date && !known.Contains(c.Date));
        return [.. ledger.Select(t => t.SharpePerBar), .. Enumerable.Repeat(double.NaN, unrecorded)];
    }

    /// <summary>Appends this evaluation to the symbol's trial ledger before anything is promoted, so no re-run goes uncounted.</summary>
    public async Task RecordTrialAsync(JobSpec spec, ModelMetrics candidate, CancellationToken ct)
    {
        var entry = new TrialEntry
        {
            JobId = spec.JobId,
            Date = spec.Date,
            TestFrom = candidate.TestWindow?.From,
            TestTo = candidate.TestWindow?.To,
            SharpePerBar = candidate.SharpePerBar,
            ConfigHash = spec.ConfigHash,
            RecordedAt = Context.Time.GetUtcNow(),
        };
        await new TrialLedger(Context.Registry.Store).AppendAsync(spec.Symbol, entry, ct).ConfigureAwait(false);
    }
}
