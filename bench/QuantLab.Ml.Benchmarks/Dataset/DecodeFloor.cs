using Parquet;
using Parquet.Schema;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// The floor the build is compared to: Parquet.Net decoding the six BBO columns of every row group of every file, one
/// after another, into preallocated arrays, and nothing else (no null check, no ordering, no copy).
/// </summary>
internal static class DecodeFloor
{
    /// <summary>Decodes the files; returns the rows decoded. The arrays are dropped: only the decoding is measured.</summary>
    public static async Task<long> DecodeAsync(IReadOnlyList<string> files, CancellationToken ct)
    {
        var readers = new List<ParquetReader>(files.Count);
        try
        {
            foreach (var file in files)
            {
                readers.Add(await ParquetReader.CreateAsync(file, null, ct));
            }

            var total = (int)readers.Sum(r => r.RowGroups.Sum(g => g.RowCount));
            var longs = new[] { GC.AllocateUninitializedArray<long>(total), GC.AllocateUninitializedArray<long>(total) };
            var doubles = new[]
            {
                GC.AllocateUninitializedArray<double>(total), GC.AllocateUninitializedArray<double>(total),
                GC.AllocateUninitializedArray<double>(total), GC.AllocateUninitializedArray<double>(total),
            };
            var offset = 0;
            foreach (var reader in readers)
            {
                var fields = CompactSchema.BboColumns.Select(c => reader.Schema.DataFields.Single(f => f.Name == c.Name)).ToArray();
                var largest = (int)reader.RowGroups.Max(g => g.RowCount);
                var defs = new int[largest];
                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    var group = reader.OpenRowGroupReader(g);
                    var n = (int)group.RowCount;
                    for (var c = 0; c < 2; c++)
                    {
                        await ReadAsync(group, fields[c], longs[c].AsMemory(offset, n), defs, ct);
                    }

                    for (var c = 0; c < 4; c++)
                    {
                        await ReadAsync(group, fields[c + 2], doubles[c].AsMemory(offset, n), defs, ct);
                    }

                    offset += n;
                }
            }

            return offset;
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    /// <summary>Bytes of the decoded columns: two int64 and four float64 values per row.</summary>
    public static long ColumnBytes(long rows) => rows * CompactSchema.BboColumns.Count * sizeof(long);

    private static ValueTask ReadAsync<T>(ParquetRowGroupReader group, DataField field, Memory<T> into, int[] defs, CancellationToken ct)
        where T : struct =>
        // The production files mark every column optional, so the definition levels come with the values.
        group.ReadRawAsync(field, into, field.IsNullable ? defs.AsMemory(0, into.Length) : null, null, ct);
}
