using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Step 4 for a night of one: the provider trains the job (a child process, a fixed host, or a rented machine it always
/// destroys) and brings its outputs back. A night of many trains in batches instead (<see cref="NightRun"/>).
/// </summary>
internal sealed class TrainStep(RunScope scope)
{
    public Task<TrainingResult> RunAsync(string symbol, TrainingJob job, CancellationToken ct)
    {
        var context = scope.Context;
        context.Log.Information("Training {JobId} on provider {Provider}", job.Spec.JobId, context.Provider.Kind.Wire());
        return scope.Audit.StepAsync("train", symbol, job.Spec.JobId, () => context.Provider.RunAsync(job, ct));
    }
}
