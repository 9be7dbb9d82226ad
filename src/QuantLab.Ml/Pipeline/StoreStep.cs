using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>Step 6: the candidate and its evidence in the store; a failure says where the trained artifacts are kept for a retry.</summary>
internal sealed class StoreStep(RunScope scope)
{
    private PipelineContext Context => scope.Context;

    public async Task<CandidateManifest> StoreAsync(PlannedJob planned, CandidateEvaluation evaluation, Dictionary<string, string> files, string outputDir, CancellationToken ct)
    {
        var spec = planned.Spec;
        var (symbol, date) = (spec.Symbol, spec.Date);
        CandidateManifest candidate;
        try
        {
            candidate = await scope.Audit.StepAsync("store_candidate", symbol, spec.JobId, () => Context.Registry.PutCandidateAsync(symbol, date, spec.JobId, files, ct)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            // Any rented machine is already gone; what it produced must not be: say where it is for a retry.
            throw new QuantLabException($"storing the candidate failed: {ex.Message}; the trained artifacts are kept in {outputDir}", ex);
        }

        Context.Log.Information(
            "Candidate stored at {Location}: hit rate {DirectionalAccuracy:F4} on {NDirectional} calls, Sharpe {SharpePerBar:G3} ± {SharpePerBarSe:G3} per bar, net return {TotalReturn:P2}",
            Context.Registry.Store.Root + "/" + ModelRegistry.CandidatePrefix(symbol, date),
            evaluation.Candidate.DirectionalAccuracy, evaluation.Candidate.NDirectional, evaluation.Candidate.SharpePerBar, evaluation.Candidate.SharpePerBarSe, evaluation.Candidate.TotalReturn);

        return candidate;
    }
}
