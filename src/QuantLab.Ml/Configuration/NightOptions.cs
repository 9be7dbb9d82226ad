using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

/// <summary>
/// How a night (every run on ssh or vast; one symbol is a night of one) is packed onto machines (configuration section
/// "Batch"): at most MaxInstances machines at once, the cheapest number of them that finishes before the deadline,
/// symbols trained one after another on each, and the unfinished symbols of a lost machine run once more on a new one.
/// </summary>
public sealed record NightOptions
{
    /// <summary>The most machines one night may use at once (--instances).</summary>
    public int MaxInstances { get; set; } = 4;

    /// <summary>UTC time of day the night must be done by (--deadline); the planner picks the cheapest plan that makes it.</summary>
    public TimeOnly Deadline { get; set; } = new(6, 0);

    /// <summary>Per-symbol time on a machine besides training: upload, start, polls, download.</summary>
    public TimeSpan PerJobOverhead { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Expected trainer seconds per million training rows when a symbol has no history yet.</summary>
    public double SecondsPerMillionRows { get; set; } = 120;

    /// <summary>No symbol is expected to train faster than this.</summary>
    public double MinimumTrainingSeconds { get; set; } = 5;

    /// <summary>Run the unfinished symbols of a lost machine once more on a new machine, when the deadline allows.</summary>
    public bool RequeueLost { get; set; } = true;

    /// <summary>Past run summaries read for the per-symbol training history.</summary>
    public int HistoryRuns { get; set; } = 14;

    public const string Section = "Batch";

    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Batch"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Whole(nameof(MaxInstances), MaxInstances, 1, 64);
        r.Duration(nameof(PerJobOverhead), PerJobOverhead, TimeSpan.Zero, TimeSpan.FromHours(1));
        r.Number(nameof(SecondsPerMillionRows), SecondsPerMillionRows, 0, 86_400, aboveMin: true, unit: "s");
        r.Number(nameof(MinimumTrainingSeconds), MinimumTrainingSeconds, 0, 86_400, unit: "s");
        r.Whole(nameof(HistoryRuns), HistoryRuns, 0, 365);
    }
}
