using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using Serilog;

namespace QuantLab.Ml.Pipeline;

/// <summary>What `promote` was asked to do.</summary>
public sealed record PromoteRequest
{
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }
    public bool Force { get; init; }
    public bool DryRun { get; init; }
}

/// <summary>What `promote` did: promoted, forced, rejected, already_production, or would_promote/would_reject on a dry run.</summary>
public sealed record PromoteResult
{
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }
    public required string JobId { get; init; }
    public required string Action { get; init; }
    public required PromotionDecision Decision { get; init; }
    public string? ProductionJobIdBefore { get; init; }

    /// <summary>What failed after production changed (the change stands); empty when all went well.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Re-evaluates a stored candidate against the current production model and promotes it when the policy passes.</summary>
public sealed class Promoter(ModelRegistry registry, PromotionPolicyConfig policy, ILogger log)
{
    public async Task<PromoteResult> PromoteAsync(PromoteRequest request, string workDir, CancellationToken ct)
    {
        var candidate = await registry.GetCandidateAsync(request.Symbol, request.Date, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"no completed candidate for {request.Symbol} {TradingDate.Iso(request.Date)} in {registry.Store.Root}");
        Directory.CreateDirectory(workDir);
        var evaluationPath = Path.Combine(workDir, "evaluation.json");
        await registry.DownloadCandidateFileAsync(candidate, "evaluation.json", evaluationPath, ct).ConfigureAwait(false);
        var evaluation = await Json.ReadFileAsync(evaluationPath, PipelineJson.Indented.EvaluationRecord, ct).ConfigureAwait(false);

        var production = await registry.GetProductionAsync(request.Symbol, ct).ConfigureAwait(false);
        var trials = evaluation.TrialsOrLegacy();
        ChampionScore? champion = null;
        if (production is { } prod)
        {
            if (prod.Manifest.JobId == candidate.JobId && prod.Manifest.Version == candidate.Date)
            {
                var same = PromotionPolicy.Decide(
                    new GateInputs { Candidate = evaluation.Candidate, Baseline = evaluation.Baseline, ImbalanceBaseline = evaluation.ImbalanceBaseline, Trials = trials }, policy);
                return Result(candidate, "already_production", same, prod.Manifest.JobId);
            }

            champion = await ChampionAsync(evaluation, prod.Manifest, workDir, ct).ConfigureAwait(false);
        }

        // The inputs of the original decision (same-window champion and its paired test, trials then), so an unchanged production
        // replays exactly the decision in promotion.json.
        var decision = PromotionPolicy.Decide(
            new GateInputs
            {
                Candidate = evaluation.Candidate,
                Baseline = evaluation.Baseline,
                ImbalanceBaseline = evaluation.ImbalanceBaseline,
                Champion = champion,
                Paired = champion is { IsComparable: true } ? evaluation.Paired : null,
                Trials = trials,
            },
            policy);
        var passed = decision.Decision == PromotionOutcome.Promoted;
        if (request.DryRun)
        {
            return Result(candidate, passed ? "would_promote" : "would_reject", decision, production?.Manifest.JobId);
        }

        if (!passed && !request.Force)
        {
            log.Information("Candidate {JobId} rejected: {Reasons}", candidate.JobId, string.Join("; ", decision.Reasons));
            return Result(candidate, "rejected", decision, production?.Manifest.JobId);
        }

        var forced = !passed;
        var reason = forced ? "forced by operator: " + string.Join("; ", decision.Reasons) : string.Join("; ", decision.Reasons);
        var manifest = await registry.PromoteAsync(
            candidate, production?.ETag, forced, reason, $"{Environment.UserName}@{Environment.MachineName}", workDir, ct).ConfigureAwait(false);
        log.Information("Promoted {JobId} (change {Sequence}, forced {Forced})", candidate.JobId, manifest.Sequence, forced);
        foreach (var warning in manifest.Warnings)
        {
            log.Warning("Promotion of {JobId}: {Warning}", candidate.JobId, warning);
        }

        return Result(candidate, forced ? "forced" : "promoted", decision, production?.Manifest.JobId) with { Warnings = manifest.Warnings };
    }

    /// <summary>
    /// The champion as this candidate's evaluation scored it, when production is still that model; otherwise the current
    /// production model was never scored on the candidate's window, which the gate treats as not comparable.
    /// </summary>
    private async Task<ChampionScore> ChampionAsync(EvaluationRecord evaluation, ProductionManifest manifest, string workDir, CancellationToken ct)
    {
        if (evaluation.Champion is { } recorded && recorded.JobId == manifest.JobId && recorded.Version == manifest.Version)
        {
            return recorded;
        }

        // Records written before the champion was recorded keep the same-window score under production_same_window.
        if (evaluation.Champion is null && evaluation.ProductionJobId == manifest.JobId && evaluation.ProductionSameWindow is { } sameWindow)
        {
            return new ChampionScore
            {
                JobId = manifest.JobId,
                Version = manifest.Version,
                Comparison = ChampionComparison.SameFeatures,
                Metrics = sameWindow,
                Reason = "re-scored on the candidate's test features",
            };
        }

        var path = Path.Combine(workDir, "production-metrics.json");
        await registry.DownloadProductionFileAsync(manifest, ModelRegistry.MetricsFile, path, ct).ConfigureAwait(false);
        return new ChampionScore
        {
            JobId = manifest.JobId,
            Version = manifest.Version,
            Comparison = ChampionComparison.NotComparable,
            Metrics = await Json.ReadFileAsync(path, PipelineJson.Indented.ModelMetrics, ct).ConfigureAwait(false),
            Reason = $"production changed since this candidate was evaluated (then {evaluation.ProductionJobId ?? "none"}, now {manifest.JobId}), so it was never scored on this candidate's test window; run the day again to compare them",
        };
    }

    private static PromoteResult Result(CandidateManifest candidate, string action, PromotionDecision decision, string? productionJobId) => new()
    {
        Symbol = candidate.Symbol,
        Date = candidate.Date,
        JobId = candidate.JobId,
        Action = action,
        Decision = decision,
        ProductionJobIdBefore = productionJobId,
    };
}
