using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// What makes a compacted day fit for training beyond its files being intact (configuration section <c>DataCheck</c>):
/// enough rows and hours, timestamps on the day, and few unusable quotes. A day failing any of these is refused, not trained on.
/// </summary>
public sealed record DataCheckOptions
{
    /// <summary>Fewest usable rows a day must have; a real quiet symbol has a few hundred thousand.</summary>
    public long MinRows { get; set; } = 10_000;

    /// <summary>Fewest UTC hours of the day (0..24) with at least one row: a half-empty day is not a training day.</summary>
    public int MinCoveredHours { get; set; } = 12;

    /// <summary>
    /// How long before the day's UTC midnight its first rows may start (real partitions begin up to about a minute early,
    /// one at 23:58:55 of the day before). Rows earlier than that, or at or after the next midnight, refuse the day.
    /// </summary>
    public TimeSpan BeforeMidnightTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Share of rows with a crossed or locked book (bid ≥ ask) or a non-positive price or size that is dropped and
    /// recorded; above it the day is refused.
    /// </summary>
    public double MaxUnusableRowShare { get; set; } = 0.01;

    /// <summary>
    /// When meta.json's sha256 is the compactor's fallback "N/A" (or absent): false accepts the day on rows, size, schema
    /// and timestamps and records that its checksum was not verified; true makes it NOT_READY until a checksum is written.
    /// </summary>
    public bool RequireChecksum { get; set; }

    /// <summary>Throws <see cref="Common.UsageException"/> naming the first bad value.</summary>
    public void Validate() => ConfigRules.Require("DataCheck", Rules);

    /// <summary>The allowed values (section "DataCheck"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Whole(nameof(MinRows), MinRows, 1, 100_000_000, "rows");
        r.Whole(nameof(MinCoveredHours), MinCoveredHours, 0, 24, "hours");
        r.Duration(nameof(BeforeMidnightTolerance), BeforeMidnightTolerance, TimeSpan.Zero, TimeSpan.FromHours(1));
        r.Number(nameof(MaxUnusableRowShare), MaxUnusableRowShare, 0, 0.999999);
    }
}
