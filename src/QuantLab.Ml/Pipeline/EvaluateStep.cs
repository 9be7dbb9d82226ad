using QuantLab.Ml.Dataset;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>Scores the trainer's test predictions against the labels the orchestrator kept, and decides promotion.</summary>
public static class EvaluateStep
{
    public static CandidateEvaluation Evaluate(
        PlannedJob job, string outputDir, ModelMetrics? productionStored, EvaluationConfig evaluation, PromotionPolicyConfig policy)
    {
        var labels = job.Dataset.TestLabels;
        var returns = job.Dataset.TestForwardReturns;
        var candidate = Score(Path.Combine(outputDir, job.Spec.Outputs.Predictions), labels, returns, evaluation, "predictions.npy")
            ?? throw new TrainerFailedException("trainer wrote no predictions.npy");
        var baseline = MetricsCalculator.ComputeBaseline(labels, returns, evaluation, job.Dataset.TrainMajorityClass);
        var sameWindow = Score(Path.Combine(outputDir, job.Spec.Outputs.ProductionPredictions), labels, returns, evaluation, "predictions_production.npy");
        var decision = PromotionPolicy.Decide(candidate, baseline, sameWindow ?? productionStored, policy);
        return new CandidateEvaluation
        {
            Candidate = candidate,
            Baseline = baseline,
            ProductionSameWindow = sameWindow,
            ProductionStored = productionStored,
            Decision = decision,
        };
    }

    private static ModelMetrics? Score(string path, int[] labels, double[] returns, EvaluationConfig evaluation, string what)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var probabilities = NpyReader.ReadFloat32Matrix(path);
        if (probabilities.Rows != labels.Length || probabilities.Columns != 3)
        {
            throw new TrainerFailedException(
                $"{what} has shape {probabilities.Rows}x{probabilities.Columns}, expected {labels.Length}x3 (one row per test bar)");
        }

        return MetricsCalculator.Compute(probabilities.Values, labels, returns, evaluation);
    }
}

/// <summary>Everything the evaluation found: candidate, baseline, production (same window and as stored) and the decision.</summary>
public sealed record CandidateEvaluation
{
    public required ModelMetrics Candidate { get; init; }
    public required ModelMetrics Baseline { get; init; }
    public ModelMetrics? ProductionSameWindow { get; init; }
    public ModelMetrics? ProductionStored { get; init; }
    public required PromotionDecision Decision { get; init; }
}
