using System.Globalization;
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

    /// <summary>Throws <see cref="UsageException"/> naming the first bad value.</summary>
    public void Validate()
    {
        static void Check(bool ok, FormattableString message)
        {
            if (!ok)
            {
                throw new UsageException("DataCheck:" + message.ToString(CultureInfo.InvariantCulture));
            }
        }

        Check(MinRows is >= 1 and <= 100_000_000, $"MinRows must be 1..100000000, got {MinRows}");
        Check(MinCoveredHours is >= 0 and <= 24, $"MinCoveredHours must be 0..24, got {MinCoveredHours}");
        Check(BeforeMidnightTolerance >= TimeSpan.Zero && BeforeMidnightTolerance <= TimeSpan.FromHours(1),
            $"BeforeMidnightTolerance must be 00:00:00..01:00:00, got {BeforeMidnightTolerance}");
        Check(MaxUnusableRowShare is >= 0 and < 1, $"MaxUnusableRowShare must be in [0, 1), got {MaxUnusableRowShare}");
    }
}
