using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Step 4 on the local provider: the trainer runs as a child process on this machine, where the job was prepared. A
/// provider with machines (ssh, vast) trains every run as a night in batches instead, a single symbol a night of one
/// (<see cref="NightRun"/>).
/// </summary>
internal sealed class TrainStep(RunScope scope, IJobComputeProvider provider)
{
    public Task<TrainingResult> RunAsync(string symbol, TrainingJob job, CancellationToken ct)
    {
        var context = scope.Context;
        context.Log.Information("Training {JobId} on provider {Provider}", job.Spec.JobId, provider.Kind.Wire());
        return scope.Audit.StepAsync("train", symbol, job.Spec.JobId, () => provider.RunAsync(job, ct));
    }
}
