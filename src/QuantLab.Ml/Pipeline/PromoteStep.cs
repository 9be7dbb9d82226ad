using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>Step 7: production changes only when the gate said promoted (and --skip-promotion was not given).</summary>
internal sealed class PromoteStep(RunScope scope)
{
    private PipelineContext Context => scope.Context;

    public async Task<PromotionResult> PromoteAsync(
        CandidateManifest candidate, PromotionDecision decision, string? productionETag, bool skip, string jobDir, CancellationToken ct)
    {
        if (skip)
        {
            Context.Log.Information("Promotion skipped (--skip-promotion); the policy said {Decision}", decision.Decision);
            return new PromotionResult { Decision = RunDecision.Skipped, Reasons = ["--skip-promotion", .. decision.Reasons] };
        }

        if (decision.Decision != PromotionOutcome.Promoted)
        {
            Context.Log.Information("Not promoted: {Reasons}", string.Join("; ", decision.Reasons));
            return new PromotionResult { Decision = RunDecision.Rejected, Reasons = decision.Reasons };
        }

        var manifest = await Context.Registry.PromoteAsync(
            candidate, productionETag, forced: false, string.Join("; ", decision.Reasons), Context.Operator, Path.Combine(jobDir, "promote"), ct)
            .ConfigureAwait(false);
        Context.Log.Information("Promoted {Symbol} {Version} to production (change {Sequence})", manifest.Symbol, TradingDate.Iso(manifest.Version), manifest.Sequence);
        foreach (var warning in manifest.Warnings)
        {
            Context.Log.Warning("Promotion of {Symbol}: {Warning}", manifest.Symbol, warning);
        }

        return new PromotionResult { Decision = RunDecision.Promoted, Reasons = decision.Reasons };
    }
}
