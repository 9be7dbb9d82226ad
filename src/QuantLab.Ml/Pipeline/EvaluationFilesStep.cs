using QuantLab.Ml.Common;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>The evidence a candidate is stored with: metrics, evaluation.json, promotion.json (decision and provenance), the report.</summary>
internal sealed class EvaluationFilesStep(RunScope scope)
{
    private PipelineContext Context => scope.Context;

    public async Task<Dictionary<string, string>> WriteAsync(
        PlannedJob planned, string outputDir, CandidateEvaluation evaluation, ChampionSetup? champion, CancellationToken ct)
    {
        var outputs = planned.Spec.Outputs;
        var production = champion?.Manifest;
        var metricsFile = Path.Combine(outputDir, ModelRegistry.MetricsFile);
        await Json.WriteFileAsync(metricsFile, evaluation.Candidate, PipelineJson.Indented.ModelMetrics, ct).ConfigureAwait(false);
        var evaluationFile = Path.Combine(outputDir, "evaluation.json");
        await Json.WriteFileAsync(evaluationFile, new EvaluationRecord
        {
            Candidate = evaluation.Candidate,
            Baseline = evaluation.Baseline,
            ImbalanceBaseline = evaluation.ImbalanceBaseline,
            ProductionSameWindow = evaluation.ProductionSameWindow,
            ProductionStored = evaluation.ProductionStored,
            Paired = evaluation.Paired,
            Trials = evaluation.Trials,
            ProductionJobId = production?.JobId,
            ProductionVersion = production?.Version,
            Evaluation = Context.Evaluation,
            Champion = evaluation.Champion,
        }, PipelineJson.Indented.EvaluationRecord, ct).ConfigureAwait(false);
        var provenance = await DecisionFiles.ProvenanceAsync(planned, outputDir, champion, evaluation.ProductionSameWindow is not null, ct).ConfigureAwait(false);
        var promotionFile = Path.Combine(outputDir, "promotion.json");
        await Json.WriteFileAsync(promotionFile, new DecisionRecord
        {
            CandidateJobId = planned.Spec.JobId,
            ProductionJobId = production?.JobId,
            DecidedAt = Context.Time.GetUtcNow(),
            Forced = false,
            Decision = evaluation.Decision,
            Policy = Context.Policy,
            Champion = evaluation.Champion,
            Promotion = PromotionSummary.Of(evaluation.Decision, evaluation.Candidate),
            Candidate = evaluation.Candidate,
            Baseline = evaluation.Baseline,
            ImbalanceBaseline = evaluation.ImbalanceBaseline,
            Provenance = provenance,
        }, PipelineJson.Indented.DecisionRecord, ct).ConfigureAwait(false);

        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelRegistry.ModelFile] = Required(outputDir, outputs.Model),
            [ModelRegistry.MetricsFile] = metricsFile,
            ["job.json"] = planned.JobFile,
            ["train_metrics.json"] = Required(outputDir, outputs.TrainMetrics),
            ["runtime.json"] = Required(outputDir, outputs.Runtime),
            ["train.log"] = Required(outputDir, outputs.Log),
            ["predictions.npy"] = Required(outputDir, outputs.Predictions),
            ["evaluation.json"] = evaluationFile,
            ["promotion.json"] = promotionFile,
        };

        // After the decision and before the upload, so the report travels with the candidate; it never fails the run.
        var report = () => DecisionFiles.ReportData(planned, outputDir, evaluation, provenance, Context.Time.GetUtcNow());
        foreach (var (name, path) in await CandidateReport.TryWriteAsync(report, Path.Combine(outputDir, "report"), Context.Log, ct).ConfigureAwait(false))
        {
            files[name] = path;
        }

        return files;
    }

    private static string Required(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        return File.Exists(path) ? path : throw new TrainerFailedException($"trainer output {name} is missing");
    }
}
