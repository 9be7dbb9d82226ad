using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training;

/// <summary>
/// A provider that trains several jobs on one machine with one set-up (one rental, one bootstrap): every run on it is a
/// planned night, a single symbol a batch of one. Each call uses exactly one machine, and never leaves it running.
/// </summary>
public interface IBatchComputeProvider : IComputeProvider
{
    /// <summary>How many machines may train batches at the same time (a fixed SSH host: 1).</summary>
    int MaxMachines { get; }

    /// <summary>What one machine would cost tonight and how long it takes to be ready, for the night's plan; never rents.</summary>
    Task<MachinePrice> PriceAsync(CancellationToken ct);

    /// <summary>
    /// Trains the batch's jobs one after another on one machine. Every job gets exactly one outcome, reported through
    /// <paramref name="onOutcome"/> as soon as it is known; a job failing never stops the others, and a machine lost mid-batch
    /// makes its unfinished jobs <see cref="JobOutcomeStatus.Lost"/>. Throws only on cancellation or when the machine could
    /// not be destroyed.
    /// </summary>
    Task<IReadOnlyList<JobOutcome>> RunBatchAsync(BatchRequest batch, Func<JobOutcome, Task> onOutcome, CancellationToken ct);
}

/// <summary>The price of one machine for planning: $/h, set-up time (rent, boot, bootstrap) and bandwidth cost.</summary>
public sealed record MachinePrice
{
    public required double DollarsPerHour { get; init; }
    public required TimeSpan Setup { get; init; }
    public double UploadUsdPerGb { get; init; }

    /// <summary>Where the price comes from (the offer it would take), or why it is unknown.</summary>
    public required string Note { get; init; }

    /// <summary>No machine could be rented now (no offer matches, or the offers could not be searched): a real night would fail.</summary>
    public bool NoMachine { get; init; }
}

/// <summary>A batch: the jobs for one machine, in the order they train, and how long the machine may live.</summary>
public sealed record BatchRequest
{
    /// <summary>Unique within the store's records: batch-&lt;run&gt;-&lt;n&gt;; also the machine's label suffix.</summary>
    public required string BatchId { get; init; }
    public required IReadOnlyList<TrainingJob> Jobs { get; init; }

    /// <summary>After this the machine must be gone whatever happens (the on-box watchdog enforces it too).</summary>
    public required TimeSpan HardLimit { get; init; }
}

/// <summary>How one job of a batch ended on its machine.</summary>
[JsonConverter(typeof(SnakeCaseNames<JobOutcomeStatus>))]
public enum JobOutcomeStatus
{
    /// <summary>Trained, outputs downloaded and verified.</summary>
    Trained,

    /// <summary>The job failed on its own (trainer error, timeout, corrupt output, no machine could be rented).</summary>
    Failed,

    /// <summary>The machine was lost before the job finished; the job may run again on another machine.</summary>
    Lost,
}

/// <summary>The outcome of one job of a batch.</summary>
public sealed record JobOutcome
{
    public required TrainingJob Job { get; init; }
    public required JobOutcomeStatus Status { get; init; }
    public TrainingResult? Result { get; init; }
    public string? Error { get; init; }

    public static JobOutcome Trained(TrainingJob job, TrainingResult result) => new() { Job = job, Status = JobOutcomeStatus.Trained, Result = result };

    public static JobOutcome Failed(TrainingJob job, string error) => new() { Job = job, Status = JobOutcomeStatus.Failed, Error = error };

    public static JobOutcome Lost(TrainingJob job, string error) => new() { Job = job, Status = JobOutcomeStatus.Lost, Error = error };
}
