using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Whether the sample's future mid moves depend on the order book.</summary>
[JsonConverter(typeof(SnakeCaseNames<SampleRegime>))]
public enum SampleRegime
{
    /// <summary>The next mid move is more likely up when the bid queue outweighs the ask queue: a learnable signal.</summary>
    Signal,

    /// <summary>Mid moves are independent of everything observable: nothing to learn.</summary>
    Noise,

    /// <summary>
    /// The signal regime's lean plus a slow order flow that moves the mid for minutes, seen in the recent returns and not in
    /// the book: an edge of tens of bp over two minutes, large enough to pay a taker's fee and spread at a minutes-long horizon.
    /// </summary>
    Flow,
}

/// <summary>What <see cref="SampleDataWriter"/> writes (the options of `quantlab-ml data sample`).</summary>
public sealed record SampleOptions
{
    private static readonly string[] Statuses = ["success", "skipped", "quarantine", "in_progress", "stalled", "aborted", "no_files", "download_failed", "locked"];
    private static readonly string[] Qualities = ["GOOD", "DEGRADED", "BAD", "PARTIAL"];

    /// <summary>Twice a busy real BTCUSDT day; more would only exhaust memory.</summary>
    private const double MaxRowsPerDay = 20_000_000;

    public required string Symbol { get; init; }

    /// <summary>First UTC day written.</summary>
    public required DateOnly From { get; init; }
    public int Days { get; init; } = 1;
    public string Exchange { get; init; } = "binance";
    public long Seed { get; init; } = 1;

    /// <summary>Mean BBO updates per second (gaps are exponential).</summary>
    public double Rate { get; init; } = 4.0;

    /// <summary>Hours of each day covered, from 00:00 UTC.</summary>
    public double Hours { get; init; } = 24.0;
    public SampleRegime Regime { get; init; } = SampleRegime.Signal;

    /// <summary>Narrowest quoted spread in basis points of the price; 0 = one tick, as on a liquid venue.</summary>
    public double SpreadBps { get; init; }

    /// <summary>Rows per parquet row group (DuckDB's default, so that full days have several).</summary>
    public int RowGroupSize { get; init; } = 122_880;

    /// <summary>False leaves last_compacted_date where it was, as if compaction had not reached these days yet.</summary>
    public bool Compacted { get; init; } = true;

    /// <summary>day_quality in meta.json and day_quality_post in the state: GOOD, DEGRADED, BAD or PARTIAL.</summary>
    public string Quality { get; init; } = "GOOD";

    /// <summary>Partition status in the state; null means success when <see cref="Compacted"/>, in_progress otherwise.</summary>
    public string? Status { get; init; }

    /// <summary>Each day also starts with this much of the previous day's last rows (exact duplicates), as real days sometimes do.</summary>
    public TimeSpan SeamOverlap { get; init; } = TimeSpan.Zero;

    internal string EffectiveStatus => Status ?? (Compacted ? "success" : "in_progress");

    /// <summary>Throws <see cref="UsageException"/> naming the first bad value.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message) => ConfigRules.Ensure(ok, "data sample: " + message);

        SymbolName.Parse(Symbol);
        ExchangeName.Parse(Exchange);
        Check(Days is >= 1 and <= 366, $"--days must be 1..366, got {Days}");
        Check(Rate is > 0 and <= 1000, $"--rate must be in (0, 1000] updates per second, got {Rate}");
        Check(Hours is > 0 and <= 24, $"--hours must be in (0, 24], got {Hours}");
        Check(SpreadBps is >= 0 and <= 1000, $"--spread-bps must be 0..1000, got {SpreadBps}");
        Check(Rate * Hours * 3600 <= MaxRowsPerDay, $"--rate {Rate} for {Hours} hours makes about {Rate * Hours * 3600:F0} rows a day; keep it under {MaxRowsPerDay}");
        Check(RowGroupSize is >= 1 and <= 10_000_000, $"row group size must be 1..10000000, got {RowGroupSize}");
        Check(Qualities.Contains(Quality), $"quality must be one of {string.Join(", ", Qualities)}, got '{SymbolName.Printable(Quality)}'");
        Check(Status is null || Statuses.Contains(Status), $"status must be one of {string.Join(", ", Statuses)}, got '{SymbolName.Printable(Status)}'");
        Check(SeamOverlap >= TimeSpan.Zero && SeamOverlap <= TimeSpan.FromHours(1), $"seam overlap must be 0..1h, got {SeamOverlap}");
    }
}
