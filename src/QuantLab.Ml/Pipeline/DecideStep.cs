using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Steps 5–7 for one trained job: evaluate the candidate against the baselines and the champion on the same bars,
/// store it with its evidence, and promote it only when the gate says so. The same for a night of one and of many.
/// </summary>
internal sealed class DecideStep(RunScope scope)
{
    private readonly TrialLedgerStep trials = new(scope);
    private readonly EvaluationFilesStep files = new(scope);
    private readonly StoreStep store = new(scope);
    private readonly PromoteStep promote = new(scope);

    private PipelineContext Context => scope.Context;

    /// <summary>After training: evaluation, the candidate in the store and the promotion decision, for one day.</summary>
    public async Task<SymbolRunResult> RunAsync(
        PreparedDay day, ChampionSetup? champion, TrainingResult training, RunDailyRequest request, CancellationToken ct)
    {
        var planned = day.Planned;
        var jobDir = day.JobDir;
        var dataNotes = day.DataNotes;
        var spec = planned.Spec;
        var symbol = spec.Symbol;
        var date = spec.Date;
        var outputDir = training.OutputDir;
        Context.Log.Information("Trainer finished in {Seconds:F1} s on {Machine}", training.WallTime.TotalSeconds, training.Machine);

        var prior = await trials.PriorTrialsAsync(symbol, date, ct).ConfigureAwait(false);
        var evaluation = EvaluateStep.Evaluate(planned, outputDir, champion, prior, Context.Evaluation, Context.Policy);
        await trials.RecordTrialAsync(spec, evaluation.Candidate, ct).ConfigureAwait(false);
        var stored = await files.WriteAsync(planned, outputDir, evaluation, champion, ct).ConfigureAwait(false);
        var candidate = await store.StoreAsync(planned, evaluation, stored, outputDir, ct).ConfigureAwait(false);

        var promotion = await scope.Audit.StepAsync("promote", symbol, spec.JobId, () => promote.PromoteAsync(candidate, evaluation.Decision, champion?.ETag, request.SkipPromotion, jobDir, ct)).ConfigureAwait(false);
        promotion = promotion with { Trials = evaluation.Trials.Count, DeflatedSharpe = evaluation.Decision.Evidence?.DeflatedSharpe };
        return new SymbolRunResult
        {
            Symbol = symbol,
            Date = date,
            JobId = spec.JobId,
            Status = RunStatus.Succeeded,
            DataNotes = dataNotes,
            TrainRows = spec.Counts.Train,
            TrainerSeconds = training.TrainerSeconds ?? training.WallTime.TotalSeconds,
            Candidate = new CandidateResult
            {
                Metrics = evaluation.Candidate,
                Baseline = evaluation.Baseline,
                ImbalanceBaseline = evaluation.ImbalanceBaseline,
                ProductionSameWindow = evaluation.ProductionSameWindow,
                StoredAt = Context.Registry.Store.Root + "/" + ModelRegistry.CandidatePrefix(symbol, date),
                TestWindow = evaluation.Candidate.TestWindow,
                TestWindowNote = TestWindow.ShortNote(evaluation.Candidate.TestWindow),
            },
            Promotion = promotion,
        };
    }
}
