using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// A symbol-day ready to train: its dataset and job spec, its data notes and the job lock this run holds. Disposing it
/// releases the lock (once, on a bound of its own: the run's token may already be cancelled).
/// </summary>
internal sealed class PreparedDay : IAsyncDisposable
{
    private int released;

    public required PlannedJob Planned { get; init; }
    public required string JobDir { get; init; }
    public required IReadOnlyList<string> DataNotes { get; init; }
    public required JobLock Locks { get; init; }
    public required LockAttempt Lock { get; init; }

    /// <summary>How the lock is released (the run's bounded, logged release).</summary>
    public required Func<PreparedDay, Task> Release { get; init; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            await Release(this).ConfigureAwait(false);
        }
    }
}

/// <summary>What preparing a day gave: a day ready to train, or the day's final result (skipped, planned).</summary>
internal sealed record DayPreparation(PreparedDay? Day, SymbolRunResult? Final)
{
    public static DayPreparation Ready(PreparedDay day) => new(day, null);

    public static DayPreparation Done(SymbolRunResult result) => new(null, result);
}
