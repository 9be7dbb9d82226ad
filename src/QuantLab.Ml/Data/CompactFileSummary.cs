namespace QuantLab.Ml.Data;

/// <summary>What <see cref="CompactParquetReader.ValidateSchemaAndOrderAsync"/> found in one data.parquet.</summary>
public sealed record CompactFileSummary
{
    public required string Path { get; init; }

    /// <summary>Rows according to the file's row groups.</summary>
    public required long Rows { get; init; }
    public required int RowGroups { get; init; }
    public long? TsEventMin { get; init; }
    public long? TsEventMax { get; init; }

    /// <summary>The rows measured against their day; only from <see cref="CompactParquetReader.ScanDayAsync"/> on a valid file.</summary>
    public DayContent? Day { get; init; }

    /// <summary>Sentences describing what is wrong; empty when the file is usable.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    public bool IsValid => Problems.Count == 0;
}
