namespace QuantLab.Ml.Data;

/// <summary>One compact day of one symbol as used by a job: where it is and what it must hash to.</summary>
public sealed record DataPartition
{
    public required string Exchange { get; init; }
    public required string Stream { get; init; }
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }

    /// <summary>Key of data.parquet relative to the data root, e.g. exchange=binance/stream=bbo/symbol=btcusdt/date=20260115/data.parquet.</summary>
    public required string Key { get; init; }
    public required string Sha256 { get; init; }
    public required long Rows { get; init; }
    public required long SizeBytes { get; init; }

    /// <summary>GOOD, DEGRADED (usable, flagged), BAD or PARTIAL (not for training).</summary>
    public required string DayQuality { get; init; }

    /// <summary>False when meta.json carried no checksum ("N/A"): the file was checked on rows, size, schema and timestamps only.</summary>
    public bool ChecksumVerified { get; init; } = true;

    /// <summary>Rows not trained on: crossed or locked books, non-positive prices or sizes (below the refusal share).</summary>
    public long DroppedRows { get; init; }
}
