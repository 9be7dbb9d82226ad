using System.Globalization;
using Parquet;
using Parquet.Schema;
using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Data;

/// <summary>Reads the BBO columns of compact data.parquet files straight into plain arrays, row groups decoded in parallel, with no per-row objects.</summary>
public static class CompactParquetReader
{
    /// <summary>Reads one day.</summary>
    public static Task<BboColumns> ReadAsync(string file, CancellationToken ct) => ReadAsync([file], null, ct);

    /// <summary>
    /// Reads several days into one set of columns ordered by (ts_event, seq), exact duplicates at the seams dropped, and
    /// rows that are not a usable book (<see cref="UsableQuotes"/>) dropped.
    /// </summary>
    public static Task<BboColumns> ReadAsync(IReadOnlyList<string> files, CancellationToken ct) => ReadAsync(files, null, ct);

    /// <inheritdoc cref="ReadAsync(IReadOnlyList{string}, CancellationToken)"/>
    public static async Task<BboColumns> ReadAsync(IReadOnlyList<string> files, ILogger? log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("at least one file is needed", nameof(files));
        }

        var opened = new List<(string Path, ParquetReader Reader, DataField[] Fields, long Rows)>(files.Count);
        try
        {
            long total = 0;
            foreach (var path in files)
            {
                var reader = await OpenAsync(path, ct).ConfigureAwait(false);
                opened.Add((path, reader, [], 0));
                var problems = new List<string>();
                var fields = ResolveFields(reader, problems);
                if (problems.Count > 0)
                {
                    throw new QuantLabException($"{path}: {string.Join("; ", problems)}");
                }

                var rows = reader.RowGroups.Sum(g => g.RowCount);
                opened[^1] = (path, reader, fields, rows);
                total += rows;
            }

            if (total > Array.MaxLength)
            {
                throw new QuantLabException($"{total} rows do not fit in memory as one array; use a shorter window");
            }

            var n = (int)total;
            // Every element is overwritten by the reads, so skip zeroing a few hundred megabytes.
            var columns = new BboColumns
            {
                TsEvent = GC.AllocateUninitializedArray<long>(n),
                Seq = GC.AllocateUninitializedArray<long>(n),
                BidPrice = GC.AllocateUninitializedArray<double>(n),
                BidQty = GC.AllocateUninitializedArray<double>(n),
                AskPrice = GC.AllocateUninitializedArray<double>(n),
                AskQty = GC.AllocateUninitializedArray<double>(n),
            };
            var runStarts = new List<int>(files.Count);
            var slices = new List<RowGroupSlice>();
            var offset = 0;
            foreach (var (path, reader, _, _) in opened)
            {
                runStarts.Add(offset);
                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    var rows = (int)reader.RowGroups[g].RowCount;
                    slices.Add(new RowGroupSlice(path, g, offset, rows));
                    offset += rows;
                }
            }

            await ParallelRowGroupDecoder.DecodeAsync(slices, columns, ct).ConfigureAwait(false);
            var ordered = BboOrdering.Normalize(columns, runStarts, out var sorted);

            // The data check counted these rows and refused a day with too many; the rest must not reach the dataset.
            var result = UsableQuotes.DropUnusable(ordered, out var unusable);
            log?.Debug("Read {Rows} BBO rows from {Files} files; sorted {Sorted}, dropped {Duplicates} duplicate (ts_event, seq) rows and {Unusable} crossed, locked or non-positive quotes",
                result.Count, files.Count, sorted, n - ordered.Count, unusable);
            return result;
        }
        finally
        {
            foreach (var file in opened)
            {
                await file.Reader.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Checks that <paramref name="file"/> is a readable parquet file with usable BBO columns, no nulls in them,
    /// and rows strictly ordered by (ts_event, seq). Problems are returned, not thrown.
    /// </summary>
    public static Task<CompactFileSummary> ValidateSchemaAndOrderAsync(string file, CancellationToken ct) => ScanAsync(file, null, ct);

    /// <summary>
    /// <see cref="ValidateSchemaAndOrderAsync"/> plus what the rows hold against the UTC day <paramref name="date"/>
    /// (<see cref="CompactFileSummary.Day"/>): off-day timestamps, covered hours, crossed books, non-positive prices and sizes.
    /// </summary>
    public static Task<CompactFileSummary> ScanDayAsync(string file, DateOnly date, TimeSpan beforeMidnightTolerance, CancellationToken ct) =>
        ScanAsync(file, new DayContentCounter(date, beforeMidnightTolerance), ct);

    private static async Task<CompactFileSummary> ScanAsync(string file, DayContentCounter? day, CancellationToken ct)
    {
        var problems = new List<string>();
        ParquetReader reader;
        try
        {
            reader = await OpenAsync(file, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            return new CompactFileSummary { Path = file, Rows = 0, RowGroups = 0, Problems = [ex.Message] };
        }

        await using (reader.ConfigureAwait(false))
        {
            var fields = ResolveFields(reader, problems);
            var rows = reader.RowGroups.Sum(g => g.RowCount);
            if (problems.Count > 0)
            {
                return new CompactFileSummary { Path = file, Rows = rows, RowGroups = reader.RowGroupCount, Problems = problems };
            }

            var largest = (int)Math.Min(Array.MaxLength, reader.RowGroups.Select(g => g.RowCount).DefaultIfEmpty(0).Max());
            var ts = new long[largest];
            var seq = new long[largest];
            double[][] values = [new double[largest], new double[largest], new double[largest], new double[largest]];
            var defs = new int[largest];
            long? min = null, max = null;
            long prevTs = 0, prevSeq = 0, row = 0;
            var hasPrev = false;
            try
            {
                for (var g = 0; g < reader.RowGroupCount && problems.Count == 0; g++)
                {
                    var group = OpenRowGroup(reader, file, g);
                    var n = (int)group.RowCount;
                    await ReadColumnAsync(group, fields[0], ts.AsMemory(0, n), defs, file, g, ct).ConfigureAwait(false);
                    await ReadColumnAsync(group, fields[1], seq.AsMemory(0, n), defs, file, g, ct).ConfigureAwait(false);
                    for (var c = 2; c < fields.Length; c++)
                    {
                        await ReadColumnAsync(group, fields[c], values[c - 2].AsMemory(0, n), defs, file, g, ct).ConfigureAwait(false);
                    }

                    day?.Add(ts.AsSpan(0, n), values[0].AsSpan(0, n), values[1].AsSpan(0, n), values[2].AsSpan(0, n), values[3].AsSpan(0, n));

                    for (var i = 0; i < n; i++, row++)
                    {
                        if (hasPrev && (ts[i] < prevTs || (ts[i] == prevTs && seq[i] <= prevSeq)))
                        {
                            problems.Add(string.Create(CultureInfo.InvariantCulture,
                                $"rows are not strictly ordered by (ts_event, seq): row {row} has ({ts[i]}, {seq[i]}) after ({prevTs}, {prevSeq})"));
                            break;
                        }

                        prevTs = ts[i];
                        prevSeq = seq[i];
                        hasPrev = true;
                    }

                    foreach (var t in ts.AsSpan(0, n))
                    {
                        min = Math.Min(min ?? t, t);
                        max = Math.Max(max ?? t, t);
                    }
                }
            }
            catch (QuantLabException ex)
            {
                problems.Add(ex.Message);
            }

            return new CompactFileSummary
            {
                Path = file,
                Rows = rows,
                RowGroups = reader.RowGroupCount,
                TsEventMin = min,
                TsEventMax = max,
                Problems = problems,
                Day = problems.Count == 0 ? day?.Result() : null,
            };
        }
    }

    internal static async Task<ParquetReader> OpenAsync(string path, CancellationToken ct)
    {
        try
        {
            return await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new QuantLabException($"{path} is not a readable parquet file: {ex.Message}", ex);
        }
    }

    internal static ParquetRowGroupReader OpenRowGroup(ParquetReader reader, string path, int index)
    {
        try
        {
            return reader.OpenRowGroupReader(index);
        }
        catch (Exception ex)
        {
            throw new QuantLabException($"{path}: cannot open row group {index}: {ex.Message}", ex);
        }
    }

    /// <summary>The six BBO fields in <see cref="CompactSchema.BboColumns"/> order; problems are added for missing or unusable ones.</summary>
    internal static DataField[] ResolveFields(ParquetReader reader, List<string> problems)
    {
        var fields = new DataField[CompactSchema.BboColumns.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            var (name, type) = CompactSchema.BboColumns[i];
            var field = reader.Schema.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == name);
            if (field is null)
            {
                problems.Add($"schema lacks the BBO column {name}");
            }
            else if (field.IsArray || field.ClrType != type)
            {
                problems.Add($"column {name} is {(field.IsArray ? "a list" : field.ClrType.Name)}, expected {type.Name}");
            }
            else
            {
                fields[i] = field;
            }
        }

        return fields;
    }

    /// <summary>Reads a whole column chunk straight into <paramref name="into"/>; any null is an error naming file, row group and row.</summary>
    internal static async ValueTask ReadColumnAsync<T>(ParquetRowGroupReader group, DataField field, Memory<T> into, int[] defs, string path, int rowGroup, CancellationToken ct)
        where T : struct
    {
        var n = into.Length;
        try
        {
            if (field.IsNullable)
            {
                // Nullable columns come back packed: values first, definition level 0 marking each null.
                await group.ReadRawAsync(field, into, defs.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }
            else
            {
                await group.ReadRawAsync(field, into, null, null, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new QuantLabException($"{path}: cannot read column {field.Name} in row group {rowGroup}: {ex.Message}", ex);
        }

        if (field.IsNullable)
        {
            var firstNull = defs.AsSpan(0, n).IndexOfAnyExcept(1);
            if (firstNull >= 0)
            {
                throw new QuantLabException($"{path}: column {field.Name} has a null in row group {rowGroup} at row {firstNull}");
            }
        }
    }
}
