using System.Globalization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

/// <summary>
/// The one model of how long things may take: the longest a job (and its rented machine) can legitimately live, summed
/// from every stage limit, and the cleanup that must fit into the termination window between SIGTERM and the kill.
/// Built from configuration; <see cref="Check"/> runs in OptionsValidator, so every command and config check refuse budgets that do not fit.
/// </summary>
public sealed record TimeBudget
{
    public const string SectionName = "Shutdown";

    /// <summary>Headroom for what cleanup does besides the bounded steps (logging, flushing the log file, exiting).</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    /// <summary>Time between SIGTERM/Ctrl-C and the process being stopped (System.CommandLine's ProcessTerminationTimeout).</summary>
    /// <remarks>200 s: the default cleanup (a 2-minute destroy, four 15-second writes, 5 s slack) needs 185 s.</remarks>
    public TimeSpan TerminationWindow { get; init; } = TimeSpan.FromSeconds(200);

    /// <summary>Bound of each store write after the run is over or interrupted (instance record, lock release, audit, summary).</summary>
    public TimeSpan StoreWriteBudget { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Getting a usable machine, all offers tried (Rental:ProvisioningBudget).</summary>
    public TimeSpan Provisioning { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>One instance reaching running (Rental:RunningDeadline).</summary>
    public TimeSpan RunningDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Trainer environment bootstrap on the machine (Remote:BootstrapTimeout).</summary>
    public TimeSpan Bootstrap { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Training itself (Runtime:MaxRuntimeMinutes, or Remote:MaxRuntime when set).</summary>
    public TimeSpan Training { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Transfers and the unexpected (Runtime:MarginMinutes).</summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Destroy with retries and read-backs (Rental:DestroyBudget).</summary>
    public TimeSpan Destroy { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>One Vast HTTP attempt (Vast:RequestTimeout): a destroy budget shorter than a DELETE plus a read-back cannot verify anything.</summary>
    public TimeSpan VastRequest { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest one job and its machine can legitimately live: provisioning (or one instance's running deadline, if
    /// longer), bootstrap, training, margin and destroy. Job locks, the on-box watchdog, the run record's deadline and
    /// the reaper's max age all use this, so none of them gives up on a job that is still within its limits.
    /// </summary>
    public TimeSpan LongestJobLife => Max(Provisioning, RunningDeadline) + Bootstrap + Training + Margin + Destroy;

    /// <summary>A batch of <paramref name="jobs"/> on one machine: one set-up, every job's training.</summary>
    public TimeSpan LongestBatchLife(int jobs) => LongestJobLife + (Training * Math.Max(0, jobs - 1));

    /// <summary>
    /// What cleanup after SIGTERM needs at most: the destroy, then the record, the lock and the audit writes, and the abort
    /// alert with the metrics (each bounded by the store write budget).
    /// </summary>
    public TimeSpan CleanupNeeds => Destroy + (StoreWriteBudget * CleanupWrites) + Slack;

    /// <summary>Bounded steps after the destroy: instance record, lock release, audit, abort alert and metrics.</summary>
    public const int CleanupWrites = 4;

    /// <summary>The defaults (for tests and the help text).</summary>
    public static TimeBudget Default { get; } = new();

    /// <summary>The stage limits from their sections and the window from section <c>Shutdown</c> of the validated options; does not check.</summary>
    public static TimeBudget From(QuantLabOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var runtime = options.Runtime;
        return new TimeBudget
        {
            TerminationWindow = options.Shutdown.TerminationWindow,
            StoreWriteBudget = options.Shutdown.StoreWriteBudget,
            Provisioning = options.Rental.ProvisioningBudget,
            RunningDeadline = options.Rental.RunningDeadline,
            Bootstrap = options.Remote.BootstrapTimeout,
            Training = options.Remote.MaxRuntime ?? TimeSpan.FromMinutes(runtime.MaxRuntimeMinutes),
            Margin = TimeSpan.FromMinutes(runtime.MarginMinutes),
            Destroy = options.Rental.DestroyBudget,
            VastRequest = options.Vast.RequestTimeout,
        };
    }

    /// <summary>
    /// Throws <see cref="UsageException"/> (exit 2) naming the settings that do not add up: cleanup after SIGTERM must fit
    /// the termination window, and the destroy budget must hold at least one DELETE and one read-back.
    /// </summary>
    public TimeBudget Check()
    {
        if (TerminationWindow <= TimeSpan.Zero || TerminationWindow > TimeSpan.FromHours(1))
        {
            throw new UsageException($"{SectionName}:TerminationWindow must be more than 0 and at most 1 hour, got {Format(TerminationWindow)}");
        }

        if (StoreWriteBudget <= TimeSpan.Zero)
        {
            throw new UsageException($"{SectionName}:StoreWriteBudget must be more than 0, got {Format(StoreWriteBudget)}");
        }

        if (Destroy < VastRequest * 2)
        {
            throw new UsageException(
                $"Rental:DestroyBudget ({Format(Destroy)}) cannot hold one DELETE and one read-back of Vast:RequestTimeout ({Format(VastRequest)}) each; make it at least {Format(VastRequest * 2)}");
        }

        if (CleanupNeeds > TerminationWindow)
        {
            throw new UsageException(
                $"cleanup after SIGTERM needs up to {Format(CleanupNeeds)} (Rental:DestroyBudget {Format(Destroy)} + {CleanupWrites} steps of {SectionName}:StoreWriteBudget {Format(StoreWriteBudget)} + {Format(Slack)}), "
                + $"more than {SectionName}:TerminationWindow {Format(TerminationWindow)}: the process would be killed before the machine is destroyed; raise the window or lower the budgets");
        }

        return this;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} min") : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");
}
