using System.Globalization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Reaping;

/// <summary>What one reap looks at and how patient it is: whose instances, how old is too old, and whether to destroy.</summary>
public sealed record ReapRequest
{
    /// <summary>
    /// Default time an instance of ours may exist without any run record in the store at hand: the longest a job can
    /// legitimately live, because the store at hand may not be the one its run records to.
    /// </summary>
    public static readonly TimeSpan DefaultNoRecordGrace = Configuration.TimeBudget.Default.LongestJobLife;

    /// <summary>Only instances whose label starts with this are ever destroyed (<c>quantlab-ml:</c> by default).</summary>
    public required string LabelPrefix { get; init; }

    /// <summary>Report what would be destroyed and why; destroy nothing and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>An instance of ours older than this is destroyed whatever its records say.</summary>
    public required TimeSpan MaxAge { get; init; }

    /// <summary>The longest a live run may hold its lock and machine (max runtime + margin); an owner older than this is gone.</summary>
    public required TimeSpan RunLimit { get; init; }

    /// <summary>An instance of ours without any run record is left alone this long, so a run that has just created it is safe.</summary>
    public TimeSpan NoRecordGrace { get; init; } = DefaultNoRecordGrace;

    /// <summary>
    /// Time one orphan's destroy may take, retries and read-backs included (Rental:DestroyBudget): the same verified
    /// destroy as a night's, so an orphan is only called destroyed once Vast no longer lists it.
    /// </summary>
    public TimeSpan DestroyBudget { get; init; } = Configuration.TimeBudget.Default.Destroy;

    /// <summary>
    /// Defaults from configuration: max age, run limit and the no-record grace are all the longest a job can legitimately
    /// live (<see cref="Configuration.TimeBudget.LongestJobLife"/>: every stage limit and margin), so no live job is reaped.
    /// </summary>
    public static ReapRequest For(Configuration.TimeBudget budget, string labelPrefix, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var life = budget.LongestJobLife;
        return new ReapRequest { LabelPrefix = labelPrefix, DryRun = dryRun, MaxAge = life, RunLimit = life, NoRecordGrace = life, DestroyBudget = budget.Destroy };
    }

    /// <summary>Throws <see cref="UsageException"/> naming the first bad value; returns this request when all is well.</summary>
    public ReapRequest Validate()
    {
        // An empty or blank prefix would make every instance of the account look like ours.
        if (string.IsNullOrWhiteSpace(LabelPrefix) || LabelPrefix.Length > 30 || !LabelPrefix.All(c => c > ' ' && c < 127))
        {
            throw new UsageException($"label prefix '{SymbolName.Printable(LabelPrefix)}' must be 1-30 printable characters without spaces");
        }

        Check(MaxAge, "max age");
        Check(RunLimit, "run limit");
        if (NoRecordGrace < TimeSpan.Zero || NoRecordGrace > TimeSpan.FromDays(7))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"the no-record grace must be 0..7 days, got {NoRecordGrace}"));
        }

        if (DestroyBudget <= TimeSpan.Zero || DestroyBudget > TimeSpan.FromHours(1))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"the destroy budget must be more than 0 and at most 1 hour, got {DestroyBudget}"));
        }

        return this;
    }

    private static void Check(TimeSpan value, string what)
    {
        if (value < TimeSpan.FromMinutes(1) || value > TimeSpan.FromDays(30))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{what} must be 1 minute..30 days, got {value}"));
        }
    }
}
