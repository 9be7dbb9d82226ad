using System.Buffers;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// Decodes row groups into their own slices of the joined columns, several at a time: Parquet decoding (decompression,
/// level and value decoding) is CPU-bound and row groups are independent, so each core takes one. A reader shares one
/// file stream between its row groups, so every row group opens its own reader; that costs a footer parse (well under a
/// millisecond) against the tens of milliseconds one row group takes to decode.
/// </summary>
internal static class ParallelRowGroupDecoder
{
    /// <summary>Rows from which a column's page buffer passes the 85,000-byte large-object threshold; smaller ones die young in gen 0.</summary>
    private const int LargeBufferRows = 85_000 / sizeof(double);

    public static Task DecodeAsync(IReadOnlyList<RowGroupSlice> slices, BboColumns into, CancellationToken ct) =>
        Parallel.ForEachAsync(
            slices,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
            async (slice, token) =>
            {
                await DecodeAsync(slice, into, token).ConfigureAwait(false);
                if (slice.Rows >= LargeBufferRows)
                {
                    ReleaseDecoderGarbage();
                }
            });

    /// <summary>
    /// Parquet.Net allocates about 1.3 bytes of short-lived page buffers per decoded byte, each over the 85 kB large-object
    /// threshold. Large objects are only freed by a full collection, which the GC rarely starts while the joined columns
    /// grow, so a week's buffers would pile up on top of the columns (peak RSS about 2.7x the column bytes, 4x for one day).
    /// A full, non-compacting collection after each row group lets the next one reuse that memory: the peak drops to about
    /// 1.8x (3x for one day, where the runtime's own fixed memory weighs most). Measured on 7 days, its cost grows with the
    /// garbage freed, not with the number of collections (about 70 ms whether 8 or 37 of them), so the finest grain is free.
    /// </summary>
    private static void ReleaseDecoderGarbage() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);

    private static async ValueTask DecodeAsync(RowGroupSlice slice, BboColumns into, CancellationToken ct)
    {
        var reader = await CompactParquetReader.OpenAsync(slice.Path, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var problems = new List<string>();
            var fields = CompactParquetReader.ResolveFields(reader, problems);
            var group = CompactParquetReader.OpenRowGroup(reader, slice.Path, slice.RowGroup);
            if (problems.Count > 0 || group.RowCount != slice.Rows)
            {
                // The file was checked when the read began; a difference now means it was replaced meanwhile.
                throw new QuantLabException($"{slice.Path} changed while it was being read");
            }

            // Pooled: the definition levels are only checked for nulls, then the buffer goes to the next row group.
            var defs = ArrayPool<int>.Shared.Rent(slice.Rows);
            try
            {
                var (offset, n) = (slice.Offset, slice.Rows);
                await CompactParquetReader.ReadColumnAsync(group, fields[0], into.TsEvent.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
                await CompactParquetReader.ReadColumnAsync(group, fields[1], into.Seq.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
                await CompactParquetReader.ReadColumnAsync(group, fields[2], into.BidPrice.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
                await CompactParquetReader.ReadColumnAsync(group, fields[3], into.BidQty.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
                await CompactParquetReader.ReadColumnAsync(group, fields[4], into.AskPrice.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
                await CompactParquetReader.ReadColumnAsync(group, fields[5], into.AskQty.AsMemory(offset, n), defs, slice.Path, slice.RowGroup, ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(defs);
            }
        }
    }
}
