using Parquet;

namespace QuantLab.Ml.Data;

/// <summary>How <see cref="CompactParquetWriter"/> fills the columns that <see cref="BboColumns"/> does not carry.</summary>
public sealed record CompactWriteOptions
{
    public required string Exchange { get; init; }

    /// <summary>Written upper case, as on the wire (ADAUSDT).</summary>
    public required string Symbol { get; init; }
    public string Stream { get; init; } = "bbo";
    public sbyte StreamVersion { get; init; } = 1;

    /// <summary>Receive times; null writes ts_event.</summary>
    public long[]? TsRecv { get; init; }

    /// <summary>DuckDB's default row group size, so that sample files have several row groups like real ones.</summary>
    public int RowGroupSize { get; init; } = 122_880;
    public CompressionMethod Compression { get; init; } = CompressionMethod.Snappy;
}

/// <summary>Writes BBO rows as a data.parquet in the production schema (all columns optional, strings as UTF-8).</summary>
public static class CompactParquetWriter
{
    public static async Task WriteAsync(string path, BboColumns rows, CompactWriteOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RowGroupSize, 1);
        if (options.TsRecv is not null && options.TsRecv.Length != rows.Count)
        {
            throw new ArgumentException("TsRecv must have one value per row", nameof(options));
        }

        var schema = CompactSchema.CreateFileSchema();
        var fields = schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var symbol = options.Symbol.ToUpperInvariant();
        var tmp = path + ".tmp";
        var stream = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        await using (stream.ConfigureAwait(false))
        {
            var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = options.Compression }, append: false, ct).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                int[] defined = [];
                string[] exchange = [], sym = [], streamName = [];
                sbyte[] version = [];
                // An empty day still gets one (empty) row group, as DuckDB writes it.
                var groups = Math.Max(1, (rows.Count + options.RowGroupSize - 1) / options.RowGroupSize);
                for (var g = 0; g < groups; g++)
                {
                    var start = g * options.RowGroupSize;
                    var n = Math.Min(options.RowGroupSize, rows.Count - start);
                    if (defined.Length != n)
                    {
                        // Every value is present: definition level 1 everywhere.
                        defined = new int[n];
                        Array.Fill(defined, 1);
                        exchange = Repeat(options.Exchange, n);
                        sym = Repeat(symbol, n);
                        streamName = Repeat(options.Stream, n);
                        version = new sbyte[n];
                        Array.Fill(version, options.StreamVersion);
                    }

                    var tsRecv = (options.TsRecv ?? rows.TsEvent).AsMemory(start, n);
                    using var group = writer.CreateRowGroup();
                    await group.WriteAllPartsAsync<long>(fields[CompactSchema.TsEvent], rows.TsEvent.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<long>(fields[CompactSchema.Seq], rows.Seq.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<long>(fields[CompactSchema.TsRecv], tsRecv, defined, null, ct).ConfigureAwait(false);
                    await group.WriteAsync(fields[CompactSchema.Exchange], exchange, null).ConfigureAwait(false);
                    await group.WriteAsync(fields[CompactSchema.Symbol], sym, null).ConfigureAwait(false);
                    await group.WriteAsync(fields[CompactSchema.Stream], streamName, null).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<sbyte>(fields[CompactSchema.StreamVersion], version, defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<double>(fields[CompactSchema.BidPrice], rows.BidPrice.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<double>(fields[CompactSchema.BidQty], rows.BidQty.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<double>(fields[CompactSchema.AskPrice], rows.AskPrice.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    await group.WriteAllPartsAsync<double>(fields[CompactSchema.AskQty], rows.AskQty.AsMemory(start, n), defined, null, ct).ConfigureAwait(false);
                    group.CompleteValidate();
                }
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static string[] Repeat(string value, int n)
    {
        var array = new string[n];
        Array.Fill(array, value);
        return array;
    }
}
