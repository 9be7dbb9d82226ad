namespace QuantLab.Ml.Training;

/// <summary>How a job gets a machine and runs the trainer on it (local child process, a fixed SSH host, a rented Vast.ai box).</summary>
public interface IComputeProvider
{
    /// <summary>Which provider this is; printed and recorded by its name as given on the command line (<see cref="ComputeProviderKinds.Wire"/>).</summary>
    ComputeProviderKind Kind { get; }

    /// <summary>
    /// Rents machines that bill until destroyed (vast): the run then reaps leftovers before renting, records every rental
    /// and reads those records back to attribute costs and name a machine that may still bill.
    /// </summary>
    bool RentsMachines => false;

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

/// <summary>What a provider reports after a successful training.</summary>
public sealed record TrainingResult
{
    public required string OutputDir { get; init; }
    public required TimeSpan WallTime { get; init; }

    /// <summary>Machine description for the run record (e.g. "local", "ssh root@gpu-box:22", "vast 12345 RTX 4090").</summary>
    public required string Machine { get; init; }

    /// <summary>The trainer's own wall time on the machine, when the provider measured it apart from transfers.</summary>
    public double? TrainerSeconds { get; init; }

    /// <summary>
    /// Set when the outputs came back but the rented machine could not be destroyed: the outputs are good and are used as
    /// usual, and the run fails afterwards with this (it may still be billing).
    /// </summary>
    public string? TeardownError { get; init; }
}

/// <summary>The trainer exited non-zero, timed out or its outputs are missing or corrupt.</summary>
public class TrainerFailedException : Common.QuantLabException
{
    public TrainerFailedException() { }
    public TrainerFailedException(string message) : base(message) { }
    public TrainerFailedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A provider that rents machines can say, before renting, what it would rent and what it would cost (dry runs).</summary>
public interface IRentalPlanner
{
    Task<RentalEstimate> EstimateAsync(JobSpec spec, long datasetBytes, CancellationToken ct);
}

/// <summary>What a dry run would rent: the offer and the estimated cost (boot + expected training + transfer).</summary>
public sealed record RentalEstimate
{
    public long? OfferId { get; init; }
    public string? Gpu { get; init; }
    public double? DollarsPerHour { get; init; }
    public double? Reliability { get; init; }
    public string? Location { get; init; }
    public double? EstimatedMinutes { get; init; }
    public double? EstimatedCostUsd { get; init; }

    /// <summary>Why there is no offer (no match, search failed), or how the estimate was made.</summary>
    public required string Note { get; init; }
}
