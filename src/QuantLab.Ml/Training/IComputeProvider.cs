namespace QuantLab.Ml.Training;

/// <summary>
/// Where jobs train. A provider either trains one job where it was prepared (<see cref="IJobComputeProvider"/>: a local
/// child process) or trains batches of jobs on machines (<see cref="IBatchComputeProvider"/>: a fixed SSH host, rented
/// Vast.ai boxes), where every run is a planned night and a single symbol a night of one.
/// </summary>
public interface IComputeProvider
{
    /// <summary>Which provider this is; printed and recorded by its name as given on the command line (<see cref="ComputeProviderKinds.Wire"/>).</summary>
    ComputeProviderKind Kind { get; }

    /// <summary>
    /// Rents machines that bill until destroyed (vast): the run then reaps leftovers before renting, records every rental
    /// and reads those records back to attribute costs and name a machine that may still bill.
    /// </summary>
    bool RentsMachines => false;
}

/// <summary>A provider that trains one job at a time on this machine (local): no machines to plan, nothing to rent.</summary>
public interface IJobComputeProvider : IComputeProvider
{
    /// <summary>
    /// Runs the trainer for <paramref name="job"/> and returns once its outputs are in <see cref="TrainingJob.OutputDir"/>.
    /// Throws <see cref="TrainerFailedException"/> when the trainer fails; never leaves a machine running.
    /// </summary>
    Task<TrainingResult> RunAsync(TrainingJob job, CancellationToken ct);
}

/// <summary>A job ready to run: its spec and the local files the trainer needs.</summary>
public sealed record TrainingJob
{
    public required JobSpec Spec { get; init; }

    /// <summary>Local path of job.json (the serialized <see cref="Spec"/>).</summary>
    public required string JobFile { get; init; }

    /// <summary>Local path of dataset.npz.</summary>
    public required string DatasetFile { get; init; }

    /// <summary>Local path of the production model to re-score on the same test window, if any.</summary>
    public string? ProductionModelFile { get; init; }

    /// <summary>
    /// Local path of the production model's own test features (X_test, feature_names) for the same test rows, when it was
    /// trained with another feature configuration; the trainer re-scores it on these (--production-data).
    /// </summary>
    public string? ProductionDataFile { get; init; }

    /// <summary>Local folder where the trainer's outputs must end up.</summary>
    public required string OutputDir { get; init; }
}

/// <summary>What a provider reports after a successful training (a local run, or one job of a batch).</summary>
public sealed record TrainingResult
{
    public required string OutputDir { get; init; }
    public required TimeSpan WallTime { get; init; }

    /// <summary>Machine description for the run record (e.g. "local", "ssh root@gpu-box:22", "vast 12345 RTX 4090").</summary>
    public required string Machine { get; init; }

    /// <summary>The trainer's own wall time on the machine, when the provider measured it apart from transfers.</summary>
    public double? TrainerSeconds { get; init; }

}

/// <summary>The trainer exited non-zero, timed out or its outputs are missing or corrupt.</summary>
public class TrainerFailedException : Common.QuantLabException
{
    public TrainerFailedException() { }
    public TrainerFailedException(string message) : base(message) { }
    public TrainerFailedException(string message, Exception inner) : base(message, inner) { }
}
