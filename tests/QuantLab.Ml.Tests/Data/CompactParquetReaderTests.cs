using QuantLab.Ml.Tests.Support;
using Parquet;
using Parquet.Schema;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class CompactParquetReaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A few thousand realistic rows to write in various ways.</summary>
    private static async Task<BboColumns> SampleRowsAsync(TempDir dir)
    {
        var result = await SampleDataWriter.WriteAsync(Path.Combine(dir.Path, "sample"), DataTestFiles.Small(), Ct);
        return await CompactParquetReader.ReadAsync(Path.Combine(dir.Path, "sample", result.Partitions[0].Key), Ct);
    }

    [Fact]
    public async Task Reads_back_exactly_what_was_written()
    {
        using var dir = new TempDir();
        var rows = DataTestFiles.Rows((1000, 1, 60000.1), (1000, 2, 60000.2), (1250, 3, 59999.9), (2000, 4, 60001.0));
        var path = Path.Combine(dir.Path, "d.parquet");
        await DataTestFiles.WriteAsync(path, rows, Ct);

        var read = await CompactParquetReader.ReadAsync(path, Ct);

        DataTestFiles.AssertSameColumns(rows, read);
    }

    [Fact]
    public async Task Reading_a_file_written_with_another_row_group_size_or_codec_gives_the_same_columns()
    {
        using var dir = new TempDir();
        var rows = await SampleRowsAsync(dir);
        var small = Path.Combine(dir.Path, "small-groups.parquet");
        var single = Path.Combine(dir.Path, "one-group.parquet");
        var zstd = Path.Combine(dir.Path, "zstd.parquet");
        await DataTestFiles.WriteAsync(small, rows, Ct, rowGroupSize: 1000);
        await DataTestFiles.WriteAsync(single, rows, Ct, rowGroupSize: 1_000_000);
        await DataTestFiles.WriteAsync(zstd, rows, Ct, rowGroupSize: 777, compression: CompressionMethod.Zstd);

        var fromSmall = await CompactParquetReader.ReadAsync(small, Ct);
        var fromSingle = await CompactParquetReader.ReadAsync(single, Ct);
        var fromZstd = await CompactParquetReader.ReadAsync(zstd, Ct);

        Assert.True((await CompactParquetReader.ValidateSchemaAndOrderAsync(small, Ct)).RowGroups > 1);
        DataTestFiles.AssertSameColumns(rows, fromSmall);
        DataTestFiles.AssertSameColumns(rows, fromSingle);
        DataTestFiles.AssertSameColumns(rows, fromZstd);
    }

    [Fact]
    public async Task Several_days_with_an_overlapping_seam_are_joined_in_order_without_duplicates()
    {
        using var dir = new TempDir();
        var all = await SampleRowsAsync(dir);
        var n = all.Count;
        var seam = n / 2;
        var first = Path.Combine(dir.Path, "day1.parquet");
        var second = Path.Combine(dir.Path, "day2.parquet");
        // The second day repeats the last 40 rows of the first, as a day starting at 23:58:55 of the day before does.
        await DataTestFiles.WriteAsync(first, DataTestFiles.Slice(all, 0, seam), Ct);
        await DataTestFiles.WriteAsync(second, DataTestFiles.Slice(all, seam - 40, n - seam + 40), Ct);

        var joined = await CompactParquetReader.ReadAsync([first, second], Ct);
        var reversed = await CompactParquetReader.ReadAsync([second, first], Ct);

        DataTestFiles.AssertSameColumns(all, joined);
        DataTestFiles.AssertSameColumns(all, reversed);
    }

    [Fact]
    public async Task Rows_of_two_days_that_interleave_at_the_seam_are_merged_into_order()
    {
        using var dir = new TempDir();
        var all = await SampleRowsAsync(dir);
        var n = all.Count;
        var seam = n / 2;
        // Day 1 has every other row of the 60 after the seam; day 2 starts 60 rows before the seam.
        var dayOne = Enumerable.Range(0, seam).Concat(Enumerable.Range(seam, 60).Where(i => i % 2 == 0)).ToArray();
        var dayTwo = Enumerable.Range(seam - 60, n - seam + 60).ToArray();
        var first = Path.Combine(dir.Path, "day1.parquet");
        var second = Path.Combine(dir.Path, "day2.parquet");
        await DataTestFiles.WriteAsync(first, Pick(all, dayOne), Ct);
        await DataTestFiles.WriteAsync(second, Pick(all, dayTwo), Ct);

        var joined = await CompactParquetReader.ReadAsync([first, second], Ct);

        DataTestFiles.AssertSameColumns(all, joined);
    }

    [Fact]
    public async Task An_empty_day_reads_as_no_rows_and_is_valid()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "empty.parquet");
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows(), Ct);

        var read = await CompactParquetReader.ReadAsync([path, path], Ct);
        var check = await CompactParquetReader.ValidateSchemaAndOrderAsync(path, Ct);

        Assert.Equal(0, read.Count);
        Assert.Empty(check.Problems);
        Assert.Equal(0, check.Rows);
        Assert.Null(check.TsEventMin);
    }

    [Fact]
    public async Task A_file_out_of_order_is_sorted_by_event_time_then_sequence()
    {
        using var dir = new TempDir();
        var rows = DataTestFiles.Rows((2000, 9, 3.0), (1000, 5, 1.0), (2000, 7, 2.0), (1500, 6, 1.5));
        var path = Path.Combine(dir.Path, "shuffled.parquet");
        await DataTestFiles.WriteAsync(path, rows, Ct);

        var read = await CompactParquetReader.ReadAsync(path, Ct);

        Assert.Equal([1000L, 1500, 2000, 2000], read.TsEvent);
        Assert.Equal([5L, 6, 7, 9], read.Seq);
        Assert.Equal([1.0, 1.5, 2.0, 3.0], read.BidPrice);
        Assert.Equal([6.0, 7.0, 8.0, 10.0], read.BidQty);
    }

    [Fact]
    public async Task Reads_several_row_groups_of_a_file_in_which_some_columns_are_required()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "required.parquet");
        var ts = new DataField<long>(CompactSchema.TsEvent);
        var fields = new DataField[]
        {
            ts, new DataField<long>(CompactSchema.Seq), new DataField<double?>(CompactSchema.BidPrice), new DataField<double>(CompactSchema.BidQty),
            new DataField<double?>(CompactSchema.AskPrice), new DataField<double>(CompactSchema.AskQty),
        };
        var stream = File.Create(path);
        await using (stream)
        {
            var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, null, false, Ct);
            await using (writer)
            {
                for (var g = 0; g < 2; g++)
                {
                    using var group = writer.CreateRowGroup();
                    await group.WriteAsync<long>(fields[0], new long[] { 10 + g, 20 + g }, null, null, Ct);
                    await group.WriteAsync<long>(fields[1], new long[] { 1, 2 }, null, null, Ct);
                    await group.WriteAsync<double>(fields[2], new double?[] { 1, 2 }, null, null, Ct);
                    await group.WriteAsync<double>(fields[3], new double[] { 3, 4 }, null, null, Ct);
                    await group.WriteAsync<double>(fields[4], new double?[] { 5, 6 }, null, null, Ct);
                    await group.WriteAsync<double>(fields[5], new double[] { 7, 8 }, null, null, Ct);
                }
            }
        }

        var read = await CompactParquetReader.ReadAsync(path, Ct);

        Assert.Equal([10L, 11, 20, 21], read.TsEvent);
        Assert.Equal([1.0, 1, 2, 2], read.BidPrice);
        Assert.Equal([7.0, 7, 8, 8], read.AskQty);
    }

    [Theory]
    [InlineData(CompactSchema.TsEvent)]
    [InlineData(CompactSchema.AskQty)]
    public async Task A_null_in_a_bbo_column_is_an_error_naming_file_column_and_row_group(string column)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "nulls.parquet");
        var columns = DataTestFiles.RawBboColumns();
        columns[columns.FindIndex(c => c.Field.Name == column)] = column == CompactSchema.TsEvent
            ? (new DataField<long?>(column), new long?[] { 1000, null, 1002 })
            : (new DataField<double?>(column), new double?[] { 1.0, null, 3.0 });
        await DataTestFiles.WriteRawAsync(path, Ct, [.. columns]);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => CompactParquetReader.ReadAsync(path, Ct));
        var check = await CompactParquetReader.ValidateSchemaAndOrderAsync(path, Ct);

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"column {column} has a null in row group 0 at row 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains(check.Problems, p => p.Contains($"column {column} has a null", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_without_a_bbo_column_is_an_error_naming_the_column()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "no-bid-qty.parquet");
        await DataTestFiles.WriteRawAsync(path, Ct, [.. DataTestFiles.RawBboColumns().Where(c => c.Field.Name != CompactSchema.BidQty)]);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => CompactParquetReader.ReadAsync(path, Ct));

        Assert.Contains("schema lacks the BBO column bid_qty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bbo_column_of_the_wrong_type_is_an_error()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "int-prices.parquet");
        var columns = DataTestFiles.RawBboColumns();
        columns[2] = (new DataField<long?>(CompactSchema.BidPrice), new long?[] { 100, 101, 102 });
        await DataTestFiles.WriteRawAsync(path, Ct, [.. columns]);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => CompactParquetReader.ReadAsync(path, Ct));

        Assert.Contains("column bid_price is Int64, expected Double", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "data.parquet");
        await File.WriteAllTextAsync(path, "this is not a parquet file at all, just text", Ct);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => CompactParquetReader.ReadAsync(path, Ct));
        var check = await CompactParquetReader.ValidateSchemaAndOrderAsync(path, Ct);

        Assert.Contains($"{path} is not a readable parquet file", ex.Message, StringComparison.Ordinal);
        Assert.False(check.IsValid);
    }

    [Fact]
    public async Task Validation_accepts_a_good_file_and_reports_its_rows_and_time_range()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "good.parquet");
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows((1000, 1, 1), (1000, 2, 1), (1200, 3, 1)), Ct, rowGroupSize: 2);

        var check = await CompactParquetReader.ValidateSchemaAndOrderAsync(path, Ct);

        Assert.Empty(check.Problems);
        Assert.Equal(3, check.Rows);
        Assert.Equal(2, check.RowGroups);
        Assert.Equal(1000, check.TsEventMin);
        Assert.Equal(1200, check.TsEventMax);
    }

    [Theory]
    [InlineData(1000, 3, 1)]   // seq goes back within one millisecond
    [InlineData(999, 3, 2)]    // time goes back across a row group boundary
    [InlineData(1000, 4, 2)]   // the same (ts_event, seq) twice
    public async Task Validation_reports_rows_not_strictly_ordered_by_event_time_and_sequence(long lastTs, long lastSeq, int rowGroupSize)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "unordered.parquet");
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows((1000, 1, 1), (1000, 4, 1), (lastTs, lastSeq, 1)), Ct, rowGroupSize: rowGroupSize);

        var check = await CompactParquetReader.ValidateSchemaAndOrderAsync(path, Ct);

        var problem = Assert.Single(check.Problems);
        Assert.Contains("not strictly ordered by (ts_event, seq): row 2", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_real_style_byte_array_strings_and_int8_columns_without_needing_them()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "d.parquet");
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows((1, 1, 1)), Ct);

        await using var reader = await ParquetReader.CreateAsync(path, null, Ct);
        var names = reader.Schema.DataFields.Select(f => f.Name).ToArray();

        Assert.Equal(
            ["ts_event", "seq", "ts_recv", "exchange", "symbol", "stream", "stream_version", "bid_price", "bid_qty", "ask_price", "ask_qty"],
            names);
        Assert.All(reader.Schema.DataFields, f => Assert.True(f.IsNullable));
    }

    private static BboColumns Pick(BboColumns c, int[] rows) => new()
    {
        TsEvent = [.. rows.Select(i => c.TsEvent[i])],
        Seq = [.. rows.Select(i => c.Seq[i])],
        BidPrice = [.. rows.Select(i => c.BidPrice[i])],
        BidQty = [.. rows.Select(i => c.BidQty[i])],
        AskPrice = [.. rows.Select(i => c.AskPrice[i])],
        AskQty = [.. rows.Select(i => c.AskQty[i])],
    };
}
