using System.Runtime.InteropServices;
using System.Text.Json;
using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>Scores the trainer's test predictions against the labels the orchestrator kept, scores the champion on the same window, and decides promotion.</summary>
public static class EvaluateStep
{
    /// <summary>
    /// Scores candidate, baselines and champion on the same test bars with the same execution, runs the paired test and
    /// decides. <paramref name="priorTrialSharpes"/> are the per-bar Sharpe ratios of the symbol's earlier trials (the
    /// ledger); this evaluation is added as one more trial.
    /// </summary>
    public static CandidateEvaluation Evaluate(
        PlannedJob job, string outputDir, ChampionSetup? champion, IReadOnlyList<double> priorTrialSharpes, EvaluationConfig evaluation, PromotionPolicyConfig policy)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(priorTrialSharpes);
        var window = EvaluationWindow.Of(job.Dataset);
        var rows = window.Labels.Length;
        var probabilities = Read(Path.Combine(outputDir, job.Spec.Outputs.Predictions), rows, "predictions.npy")
            ?? throw new TrainerFailedException("trainer wrote no predictions.npy");
        var candidate = MetricsCalculator.Compute(probabilities, window, evaluation);
        var baseline = MetricsCalculator.ComputeNoPosition(window, evaluation);
        var imbalance = MetricsCalculator.ComputeImbalanceSign(window, evaluation);
        var productionPath = Path.Combine(outputDir, job.Spec.Outputs.ProductionPredictions);

        // A stale file from a champion that was not meant to be re-scored must never count as a same-window score.
        var productionProbabilities = champion?.ModelFile is null ? null : Read(productionPath, rows, "predictions_production.npy");
        var sameWindow = productionProbabilities is null ? null : MetricsCalculator.Compute(productionProbabilities, window, evaluation);
        var score = champion is null ? null : Score(champion, sameWindow, Path.Combine(outputDir, job.Spec.Outputs.Runtime));
        var paired = score is { IsComparable: true } && sameWindow is not null ? PairedTest.Of(candidate, sameWindow) : null;
        var trials = TrialStats.Of([.. priorTrialSharpes, candidate.SharpePerBar]);
        var decision = PromotionPolicy.Decide(
            new GateInputs { Candidate = candidate, Baseline = baseline, ImbalanceBaseline = imbalance, Champion = score, Paired = paired, Trials = trials },
            policy);
        return new CandidateEvaluation
        {
            Candidate = candidate,
            Baseline = baseline,
            ImbalanceBaseline = imbalance,
            ProductionSameWindow = sameWindow,
            ProductionStored = champion?.StoredMetrics,
            Champion = score,
            Paired = paired,
            Trials = trials,
            Decision = decision,
            Probabilities = probabilities,
            Sensitivity = CostSensitivity.Compute(probabilities, productionProbabilities, window, evaluation),
        };
    }

    /// <summary>sha256 of the kept test labels and forward returns, so a decision names exactly what it was scored against.</summary>
    public static string TestLabelsSha256(BuiltDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var labels = MemoryMarshal.AsBytes(dataset.TestLabels.AsSpan());
        var returns = MemoryMarshal.AsBytes(dataset.TestForwardReturns.AsSpan());
        var bytes = new byte[labels.Length + returns.Length];
        labels.CopyTo(bytes);
        returns.CopyTo(bytes.AsSpan(labels.Length));
        return Hashing.Sha256(bytes);
    }

    private static ChampionScore Score(ChampionSetup champion, ModelMetrics? sameWindow, string runtimeFile)
    {
        var who = new ChampionScore
        {
            JobId = champion.Manifest.JobId,
            Version = champion.Manifest.Version,
            Comparison = ChampionComparison.NotComparable,
            Metrics = champion.StoredMetrics,
            Reason = champion.Reason,
        };
        if (champion.Planned == ChampionComparison.NotComparable)
        {
            return who;
        }

        if (sameWindow is null)
        {
            return who with { Reason = "the trainer could not re-score it on the candidate's test window: " + RescoreReason(runtimeFile) };
        }

        var scored = who with { Comparison = champion.Planned, Metrics = sameWindow };
        return VersionMismatch(runtimeFile) is { } mismatch ? scored with { Reason = scored.Reason + "; " + mismatch } : scored;
    }

    /// <summary>
    /// When the XGBoost that re-scored the champion is not the major.minor that wrote it (runtime.json's production_rescore),
    /// the record says so: a model written by XGBoost 3.1+ loads into 1.7/3.0 without an error but with its multiclass
    /// intercept reset, so the re-score is not the model that serves. Null when like for like or unknown.
    /// </summary>
    internal static string? VersionMismatch(string runtimeFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(runtimeFile));
            if (!doc.RootElement.TryGetProperty("production_rescore", out var rescore)
                || !rescore.TryGetProperty("like_for_like", out var same) || same.ValueKind != JsonValueKind.False)
            {
                return null;
            }

            string Text(string name) => rescore.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "?";
            return $"not like for like: the champion was written by XGBoost {Text("model_xgboost_version")} and re-scored by XGBoost {Text("scorer_xgboost_version")}";
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The trainer's own account of the production re-score (runtime.json), for the decision's reason.</summary>
    private static string RescoreReason(string runtimeFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(runtimeFile));
            if (doc.RootElement.TryGetProperty("production_rescore", out var rescore))
            {
                var status = rescore.TryGetProperty("status", out var s) ? s.GetString() : null;
                var reason = rescore.TryGetProperty("reason", out var r) ? r.GetString() : null;
                return $"{status}: {reason}";
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException)
        {
            return "runtime.json is unreadable (" + ex.Message + ")";
        }

        return "runtime.json says nothing about it";
    }

    private static float[]? Read(string path, int rows, string what)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var probabilities = NpyReader.ReadFloat32Matrix(path);
        if (probabilities.Rows != rows || probabilities.Columns != 3)
        {
            throw new TrainerFailedException(
                $"{what} has shape {probabilities.Rows}x{probabilities.Columns}, expected {rows}x3 (one row per test bar)");
        }

        return probabilities.Values;
    }
}

/// <summary>Everything the evaluation found: candidate, baseline, the champion on the same window (or why not) and the decision.</summary>
public sealed record CandidateEvaluation
{
    public required ModelMetrics Candidate { get; init; }
    public required ModelMetrics Baseline { get; init; }
    public ModelMetrics? ImbalanceBaseline { get; init; }
    public ModelMetrics? ProductionSameWindow { get; init; }
    public ModelMetrics? ProductionStored { get; init; }
    public ChampionScore? Champion { get; init; }
    public PairedTest? Paired { get; init; }
    public TrialStats Trials { get; init; } = TrialStats.One;
    public required PromotionDecision Decision { get; init; }

    /// <summary>Net results of candidate and champion at other fees, with and without the spread (for the report).</summary>
    public IReadOnlyList<CostScenario> Sensitivity { get; init; } = [];

    /// <summary>The candidate's n×3 test probabilities (for the calibration chart).</summary>
    public float[] Probabilities { get; init; } = [];
}
