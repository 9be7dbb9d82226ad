using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>A symbol-day ready to train: its dataset and job spec, its data notes and the job lock this run holds.</summary>
internal sealed record PreparedDay
{
    public required PlannedJob Planned { get; init; }
    public required string JobDir { get; init; }
    public required IReadOnlyList<string> DataNotes { get; init; }
    public required JobLock Locks { get; init; }
    public required LockAttempt Lock { get; init; }
}

/// <summary>What preparing a day gave: a day ready to train, or the day's final result (skipped, planned).</summary>
internal sealed record DayPreparation(PreparedDay? Day, SymbolRunResult? Final)
{
    public static DayPreparation Ready(PreparedDay day) => new(day, null);

    public static DayPreparation Done(SymbolRunResult result) => new(null, result);
}
