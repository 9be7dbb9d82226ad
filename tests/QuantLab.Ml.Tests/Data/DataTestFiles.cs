using QuantLab.Ml.Tests.Support;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Builds compact data fixtures: small sample days, and surgery on their files for broken cases.</summary>
internal static class DataTestFiles
{
    public static readonly DateOnly Day = new(2026, 1, 15);

    /// <summary>Quarter-hour days: a few thousand rows, quick to write and hash.</summary>
    public static SampleOptions Small(DateOnly? from = null, int days = 1) => new()
    {
        Symbol = "btcusdt",
        From = from ?? Day,
        Days = days,
        Hours = 0.25,
        Seed = 7,
    };

    /// <summary>The defaults, except for the size of a day: <see cref="Small"/> days are a quarter of an hour of about 3,600 rows.</summary>
    public static readonly DataCheckOptions SmallDayChecks = new() { MinRows = 1_000, MinCoveredHours = 1 };

    public static string DataKey(DateOnly day) => CompactLayout.DataKey("binance", "bbo", "btcusdt", day);

    public static string MetaKey(DateOnly day) => CompactLayout.MetaKey("binance", "bbo", "btcusdt", day);

    public static string PartitionId(DateOnly day) => CompactLayout.PartitionId("binance", "bbo", "btcusdt", day);

    public static async Task EditJsonAsync(string path, Action<JsonObject> edit, CancellationToken ct)
    {
        var node = JsonNode.Parse(await File.ReadAllTextAsync(path, ct))!.AsObject();
        edit(node);
        await File.WriteAllTextAsync(path, node.ToJsonString(), ct);
    }

    public static Task EditStateAsync(TempDir dir, Action<JsonObject> edit, CancellationToken ct) =>
        EditJsonAsync(dir.File(CompactLayout.StateKey), edit, ct);

    public static Task EditPartitionAsync(TempDir dir, DateOnly day, Action<JsonObject> edit, CancellationToken ct) =>
        EditStateAsync(dir, state => edit(state["partitions"]![PartitionId(day)]!.AsObject()), ct);

    public static Task EditMetaAsync(TempDir dir, DateOnly day, Action<JsonObject> edit, CancellationToken ct) =>
        EditJsonAsync(dir.File(MetaKey(day)), edit, ct);

    /// <summary>After replacing a day's data.parquet, makes meta.json and the state agree with it again, so that only the file's content is wrong.</summary>
    public static async Task ResealAsync(TempDir dir, DateOnly day, long rows, CancellationToken ct)
    {
        var path = dir.File(DataKey(day));
        var sha = await Hashing.Sha256FileAsync(path, ct);
        var size = new FileInfo(path).Length;
        await EditMetaAsync(dir, day, meta =>
        {
            meta["sha256"] = sha;
            meta["rows"] = rows;
        }, ct);
        await EditPartitionAsync(dir, day, p =>
        {
            p["total_size_bytes"] = size;
            p["rows"] = rows;
        }, ct);
    }

    /// <summary>
    /// Replaces a day's data.parquet with <paramref name="rows"/> and makes meta.json (rows, sha256, ts_event_min/max) and the
    /// state agree with it, as an honest compactor would: only the content is then wrong.
    /// </summary>
    public static async Task ReplaceDayAsync(TempDir dir, DateOnly day, BboColumns rows, CancellationToken ct)
    {
        await WriteAsync(dir.File(DataKey(day)), rows, ct);
        await ResealAsync(dir, day, rows.Count, ct);
        await EditMetaAsync(dir, day, meta =>
        {
            meta["ts_event_min"] = rows.Count > 0 ? rows.TsEvent.Min() : null;
            meta["ts_event_max"] = rows.Count > 0 ? rows.TsEvent.Max() : null;
        }, ct);
    }

    /// <summary><paramref name="count"/> one-tick-spread quotes evenly spread from <paramref name="startMs"/> over <paramref name="span"/>.</summary>
    public static BboColumns Quotes(long startMs, TimeSpan span, int count)
    {
        var step = Math.Max(1, (long)span.TotalMilliseconds / Math.Max(1, count));
        return new BboColumns
        {
            TsEvent = [.. Enumerable.Range(0, count).Select(i => startMs + (i * step))],
            Seq = [.. Enumerable.Range(1, count).Select(i => (long)i)],
            BidPrice = [.. Enumerable.Range(0, count).Select(i => 100.0 + (i % 7 * 0.1))],
            BidQty = [.. Enumerable.Repeat(1.5, count)],
            AskPrice = [.. Enumerable.Range(0, count).Select(i => 100.1 + (i % 7 * 0.1))],
            AskQty = [.. Enumerable.Repeat(2.5, count)],
        };
    }

    public static BboColumns Rows(params (long Ts, long Seq, double Bid)[] rows) => new()
    {
        TsEvent = [.. rows.Select(r => r.Ts)],
        Seq = [.. rows.Select(r => r.Seq)],
        BidPrice = [.. rows.Select(r => r.Bid)],
        BidQty = [.. rows.Select(r => 1.0 + r.Seq)],
        AskPrice = [.. rows.Select(r => r.Bid + 0.1)],
        AskQty = [.. rows.Select(r => 2.0 + r.Seq)],
    };

    public static BboColumns Slice(BboColumns c, int start, int length) => new()
    {
        TsEvent = c.TsEvent.AsSpan(start, length).ToArray(),
        Seq = c.Seq.AsSpan(start, length).ToArray(),
        BidPrice = c.BidPrice.AsSpan(start, length).ToArray(),
        BidQty = c.BidQty.AsSpan(start, length).ToArray(),
        AskPrice = c.AskPrice.AsSpan(start, length).ToArray(),
        AskQty = c.AskQty.AsSpan(start, length).ToArray(),
    };

    public static Task WriteAsync(string path, BboColumns rows, CancellationToken ct, int rowGroupSize = 122_880, CompressionMethod compression = CompressionMethod.Snappy) =>
        CompactParquetWriter.WriteAsync(path, rows, new CompactWriteOptions { Exchange = "binance", Symbol = "btcusdt", RowGroupSize = rowGroupSize, Compression = compression }, ct);

    /// <summary>Writes a parquet file with arbitrary (nullable) columns, for schemas the production writer would never produce.</summary>
    public static async Task WriteRawAsync(string path, CancellationToken ct, params (DataField Field, Array Values)[] columns)
    {
        var stream = File.Create(path);
        await using (stream)
        {
            var writer = await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field).ToArray()), stream, null, false, ct);
            await using (writer)
            {
                using var group = writer.CreateRowGroup();
                foreach (var (field, values) in columns)
                {
                    switch (values)
                    {
                        case long?[] longs:
                            await group.WriteAsync<long>(field, longs, null, null, ct);
                            break;
                        case double?[] doubles:
                            await group.WriteAsync<double>(field, doubles, null, null, ct);
                            break;
                        default:
                            throw new ArgumentException("unsupported column type " + values.GetType());
                    }
                }
            }
        }
    }

    /// <summary>A valid three-row BBO file's columns, as raw nullable arrays to be altered by a test.</summary>
    public static List<(DataField Field, Array Values)> RawBboColumns() =>
    [
        (new DataField<long?>(CompactSchema.TsEvent), new long?[] { 1000, 1001, 1002 }),
        (new DataField<long?>(CompactSchema.Seq), new long?[] { 1, 2, 3 }),
        (new DataField<double?>(CompactSchema.BidPrice), new double?[] { 100.0, 100.1, 100.2 }),
        (new DataField<double?>(CompactSchema.BidQty), new double?[] { 1.0, 2.0, 3.0 }),
        (new DataField<double?>(CompactSchema.AskPrice), new double?[] { 100.1, 100.2, 100.3 }),
        (new DataField<double?>(CompactSchema.AskQty), new double?[] { 1.5, 2.5, 3.5 }),
    ];

    public static void AssertSameColumns(BboColumns expected, BboColumns actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.TsEvent, actual.TsEvent);
        Assert.Equal(expected.Seq, actual.Seq);
        Assert.Equal(expected.BidPrice, actual.BidPrice);
        Assert.Equal(expected.BidQty, actual.BidQty);
        Assert.Equal(expected.AskPrice, actual.AskPrice);
        Assert.Equal(expected.AskQty, actual.AskQty);
    }
}
