using QuantLab.Ml.Tests.Support;
using Parquet;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Data;

/// <summary>
/// The reader decodes row groups in parallel, in batches per file, and frees the decoder's buffers as it goes; whatever the
/// row-group layout, it must give exactly what a plain sequential read with Parquet.Net's nullable API gives.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ParallelReadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_multi_day_window_reads_the_same_columns_and_builds_the_same_dataset_as_a_sequential_read()
    {
        using var dir = new TempDir();
        // Three quarter-hour days of ~3,600 rows in row groups of 700: several groups per file and a short last one.
        var written = await SampleDataWriter.WriteAsync(dir.Combine("data"), DataTestFiles.Small(days: 3) with { RowGroupSize = 700 }, Ct);
        var files = written.Partitions.Select(p => dir.Combine("data", p.Key)).ToList();

        var parallel = await CompactParquetReader.ReadAsync(files, Ct);
        var sequential = await SequentialReadAsync(files);

        DataTestFiles.AssertSameColumns(sequential, parallel);
        var config = new DatasetConfig { ReturnWindows = [1, 5], VolatilityWindows = [10], ImbalanceMeanWindows = [10], UpdateCountWindows = [10] };
        var fromParallel = DatasetBuilder.Build(parallel, config, dir.Combine("a"), Ct);
        var fromSequential = DatasetBuilder.Build(sequential, config, dir.Combine("b"), Ct);
        Assert.Equal(fromSequential.Sha256, fromParallel.Sha256);
        Assert.Equal(File.ReadAllBytes(fromSequential.NpzPath), File.ReadAllBytes(fromParallel.NpzPath));
    }

    [Theory]
    [InlineData(1)] // every row its own group: many batches' worth of groups
    [InlineData(999)] // a last group of one row
    [InlineData(12_000)] // large groups, whose decoder buffers are freed after each one
    [InlineData(1_000_000)] // the whole file in one group: a single batch
    public async Task Any_row_group_size_reads_the_same_columns_as_a_sequential_read(int rowGroupSize)
    {
        using var dir = new TempDir();
        // 1,000 rows are enough for tiny groups; large groups need more rows than one large-buffer group holds.
        var rows = Rows(rowGroupSize == 1 ? 1_000 : 30_000);
        var path = dir.File("d.parquet");
        await DataTestFiles.WriteAsync(path, rowGroupSize == 999 ? DataTestFiles.Slice(rows, 0, 999 * 3 + 1) : rows, Ct, rowGroupSize);

        var parallel = await CompactParquetReader.ReadAsync(path, Ct);
        var sequential = await SequentialReadAsync([path]);

        DataTestFiles.AssertSameColumns(sequential, parallel);
        Assert.Equal(rowGroupSize == 999 ? 999 * 3 + 1 : rows.Count, parallel.Count);
    }

    /// <summary>Ordered rows with distinct values in every column, so a row put in the wrong place shows.</summary>
    private static BboColumns Rows(int n) => new()
    {
        TsEvent = [.. Enumerable.Range(0, n).Select(i => 1_768_435_200_000L + (i * 250L))],
        Seq = [.. Enumerable.Range(0, n).Select(i => 10L + i)],
        BidPrice = [.. Enumerable.Range(0, n).Select(i => 60_000.0 + (i * 0.1))],
        BidQty = [.. Enumerable.Range(0, n).Select(i => 1.0 + (i % 97))],
        AskPrice = [.. Enumerable.Range(0, n).Select(i => 60_000.1 + (i * 0.1))],
        AskQty = [.. Enumerable.Range(0, n).Select(i => 2.0 + (i % 89))],
    };

    /// <summary>The straightforward reference: each file, each row group in turn, each column through the nullable API.</summary>
    private static async Task<BboColumns> SequentialReadAsync(IReadOnlyList<string> files)
    {
        var columns = new List<long>[2] { [], [] };
        var values = new List<double>[4] { [], [], [], [] };
        foreach (var file in files)
        {
            await using var reader = await ParquetReader.CreateAsync(file, null, Ct);
            var fields = CompactSchema.BboColumns.Select(c => reader.Schema.DataFields.Single(f => f.Name == c.Name)).ToArray();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                var n = (int)group.RowCount;
                for (var c = 0; c < 2; c++)
                {
                    var read = new long?[n];
                    await group.ReadAsync<long>(fields[c], read, null, Ct);
                    columns[c].AddRange(read.Select(v => v!.Value));
                }

                for (var c = 0; c < 4; c++)
                {
                    var read = new double?[n];
                    await group.ReadAsync<double>(fields[c + 2], read, null, Ct);
                    values[c].AddRange(read.Select(v => v!.Value));
                }
            }
        }

        return new BboColumns
        {
            TsEvent = [.. columns[0]],
            Seq = [.. columns[1]],
            BidPrice = [.. values[0]],
            BidQty = [.. values[1]],
            AskPrice = [.. values[2]],
            AskQty = [.. values[3]],
        };
    }
}
