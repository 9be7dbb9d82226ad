using QuantLab.Ml.Tests.Support;
using Parquet;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class SampleDataWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_a_day_that_reads_back_with_the_rows_and_time_range_of_its_meta_json()
    {
        using var dir = new TempDir();

        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(), Ct);

        var partition = Assert.Single(result.Partitions);
        var meta = PartitionMeta.Parse(await File.ReadAllTextAsync(dir.File(DataTestFiles.MetaKey(DataTestFiles.Day)), Ct), "meta.json");
        var rows = await CompactParquetReader.ReadAsync(dir.File(partition.Key), Ct);
        Assert.Equal(DataTestFiles.DataKey(DataTestFiles.Day), partition.Key);
        Assert.Equal(meta.Rows, rows.Count);
        Assert.Equal(partition.Rows, rows.Count);
        Assert.Equal(meta.TsEventMin, rows.TsEvent[0]);
        Assert.Equal(meta.TsEventMax, rows.TsEvent[^1]);
        Assert.Equal(await Hashing.Sha256FileAsync(dir.File(partition.Key), Ct), meta.Sha256);
        Assert.Equal(new FileInfo(dir.File(partition.Key)).Length, partition.SizeBytes);
        Assert.Equal("GOOD", meta.DayQuality);
        Assert.Equal(1, meta.SchemaVersion);
        Assert.Equal(["ts_event", "seq"], meta.OrderingColumns);

        var start = TradingDate.StartUnixMs(DataTestFiles.Day);
        Assert.InRange(rows.TsEvent[0], start, start + 60_000);
        Assert.True(rows.TsEvent[^1] < start + (15 * 60_000));
        for (var i = 1; i < rows.Count; i++)
        {
            Assert.True(rows.TsEvent[i] > rows.TsEvent[i - 1] || (rows.TsEvent[i] == rows.TsEvent[i - 1] && rows.Seq[i] > rows.Seq[i - 1]), $"row {i} out of order");
        }

        Assert.True((await CompactParquetReader.ValidateSchemaAndOrderAsync(dir.File(partition.Key), Ct)).IsValid);
    }

    [Fact]
    public async Task Writes_the_production_schema_with_upper_case_symbol_and_int8_stream_version()
    {
        using var dir = new TempDir();
        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small() with { Exchange = "bybit", Symbol = "ADAUSDT" }, Ct);

        await using var reader = await ParquetReader.CreateAsync(dir.File(result.Partitions[0].Key), null, Ct);
        var group = reader.OpenRowGroupReader(0);
        var n = (int)group.RowCount;
        var symbols = new string?[n];
        var streams = new string?[n];
        var exchanges = new string?[n];
        var versions = new sbyte?[n];
        await group.ReadAsync(reader.Schema.FindDataField("symbol"), symbols, null, Ct);
        await group.ReadAsync(reader.Schema.FindDataField("stream"), streams, null, Ct);
        await group.ReadAsync(reader.Schema.FindDataField("exchange"), exchanges, null, Ct);
        await group.ReadAsync<sbyte>(reader.Schema.FindDataField("stream_version"), versions, null, Ct);
        var tsRecv = new long?[n];
        var tsEvent = new long?[n];
        await group.ReadAsync<long>(reader.Schema.FindDataField("ts_recv"), tsRecv, null, Ct);
        await group.ReadAsync<long>(reader.Schema.FindDataField("ts_event"), tsEvent, null, Ct);

        Assert.StartsWith("exchange=bybit/stream=bbo/symbol=adausdt/", result.Partitions[0].Key, StringComparison.Ordinal);
        Assert.All(reader.Schema.DataFields, f => Assert.True(f.IsNullable, f.Name + " must be optional"));
        Assert.Equal(typeof(sbyte), reader.Schema.FindDataField("stream_version").ClrType);
        Assert.All(symbols, s => Assert.Equal("ADAUSDT", s));
        Assert.All(streams, s => Assert.Equal("bbo", s));
        Assert.All(exchanges, s => Assert.Equal("bybit", s));
        Assert.All(versions, v => Assert.Equal((sbyte)1, v));
        Assert.All(Enumerable.Range(0, n), i => Assert.True(tsRecv[i] > tsEvent[i]));
    }

    [Fact]
    public async Task The_same_seed_and_options_give_byte_identical_files()
    {
        using var one = new TempDir();
        using var two = new TempDir();
        using var other = new TempDir();
        var options = DataTestFiles.Small(days: 2);

        await SampleDataWriter.WriteAsync(one.Path, options, Ct);
        await SampleDataWriter.WriteAsync(two.Path, options, Ct);
        await SampleDataWriter.WriteAsync(other.Path, options with { Seed = options.Seed + 1 }, Ct);

        foreach (var key in new[] { DataTestFiles.DataKey(DataTestFiles.Day), DataTestFiles.MetaKey(DataTestFiles.Day.AddDays(1)), CompactLayout.StateKey })
        {
            Assert.Equal(await File.ReadAllBytesAsync(one.File(key), Ct), await File.ReadAllBytesAsync(two.File(key), Ct));
        }

        Assert.NotEqual(await File.ReadAllBytesAsync(one.File(DataTestFiles.DataKey(DataTestFiles.Day)), Ct), await File.ReadAllBytesAsync(other.File(DataTestFiles.DataKey(DataTestFiles.Day)), Ct));
    }

    [Fact]
    public async Task A_day_is_the_same_whichever_range_it_was_written_in()
    {
        using var range = new TempDir();
        using var single = new TempDir();
        var day = DataTestFiles.Day.AddDays(1);

        var inRange = await SampleDataWriter.WriteAsync(range.Path, DataTestFiles.Small(days: 2), Ct);
        var alone = await SampleDataWriter.WriteAsync(single.Path, DataTestFiles.Small(from: day), Ct);

        Assert.Equal(inRange.Partitions[1].Sha256, alone.Partitions[0].Sha256);
        Assert.NotEqual(inRange.Partitions[0].Sha256, inRange.Partitions[1].Sha256);
    }

    [Fact]
    public async Task Creates_the_state_with_a_success_entry_per_day_and_the_last_day_compacted()
    {
        using var dir = new TempDir();

        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(days: 3), Ct);

        var state = CompactState.Parse(await File.ReadAllTextAsync(result.StateFile, Ct));
        Assert.Equal(dir.File(CompactLayout.StateKey), result.StateFile);
        Assert.Equal(DataTestFiles.Day.AddDays(2), state.LastCompacted);
        Assert.Equal(3, state.Partitions!.Count);
        foreach (var partition in result.Partitions)
        {
            var entry = state.FindPartition(DataTestFiles.PartitionId(partition.Date))!;
            Assert.Equal("success", entry.Status);
            Assert.Equal("GOOD", entry.DayQualityPost);
            Assert.Equal(partition.Rows, entry.Rows);
            Assert.Equal(partition.SizeBytes, entry.TotalSizeBytes);
        }
    }

    [Fact]
    public async Task Merges_into_an_existing_state_keeping_other_partitions_and_unknown_fields()
    {
        using var dir = new TempDir();
        await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(from: DataTestFiles.Day.AddDays(1)) with { Symbol = "ethusdt" }, Ct);
        await DataTestFiles.EditStateAsync(dir, s => s["compactor"] = "prod-7", Ct);

        await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(), Ct);

        var text = await File.ReadAllTextAsync(dir.File(CompactLayout.StateKey), Ct);
        var state = CompactState.Parse(text);
        Assert.NotNull(state.FindPartition("binance/bbo/ethusdt/20260116"));
        Assert.NotNull(state.FindPartition("binance/bbo/btcusdt/20260115"));
        Assert.Equal(DataTestFiles.Day.AddDays(1), state.LastCompacted);
        Assert.Contains("\"compactor\": \"prod-7\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_day_written_as_not_compacted_leaves_the_compaction_date_where_it_was()
    {
        using var dir = new TempDir();
        await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(), Ct);

        await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(from: DataTestFiles.Day.AddDays(1)) with { Compacted = false }, Ct);

        var state = CompactState.Parse(await File.ReadAllTextAsync(dir.File(CompactLayout.StateKey), Ct));
        Assert.Equal(DataTestFiles.Day, state.LastCompacted);
        Assert.Equal("in_progress", state.FindPartition(DataTestFiles.PartitionId(DataTestFiles.Day.AddDays(1)))!.Status);
    }

    [Fact]
    public async Task A_malformed_existing_state_fails_before_anything_is_written()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.GetDirectoryName(dir.File(CompactLayout.StateKey))!);
        await File.WriteAllTextAsync(dir.File(CompactLayout.StateKey), "{ broken", Ct);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(), Ct));

        Assert.Contains("_state.json", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File(DataTestFiles.DataKey(DataTestFiles.Day))));
    }

    [Theory]
    [InlineData(0.0, 24.0, 1, "GOOD")]
    [InlineData(4.0, 25.0, 1, "GOOD")]
    [InlineData(4.0, 24.0, 0, "GOOD")]
    [InlineData(4.0, 24.0, 1, "FINE")]
    [InlineData(500.0, 24.0, 1, "GOOD")]
    public void Rejects_options_out_of_range_with_a_usage_error(double rate, double hours, int days, string quality)
    {
        var options = DataTestFiles.Small() with { Rate = rate, Hours = hours, Days = days, Quality = quality };

        Assert.Throws<UsageException>(options.Validate);
    }

    [Fact]
    public async Task Looks_like_real_bbo_data_one_tick_spread_and_mid_changing_on_about_a_fifth_of_updates()
    {
        using var dir = new TempDir();
        var options = DataTestFiles.Small() with { Hours = 1, Rate = 4 };
        var result = await SampleDataWriter.WriteAsync(dir.Path, options, Ct);
        var rows = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[0].Key), Ct);

        var oneTick = Enumerable.Range(0, rows.Count).Count(i => Math.Abs(rows.AskPrice[i] - rows.BidPrice[i] - 0.1) < 1e-6);
        var midChanges = Enumerable.Range(1, rows.Count - 1).Count(i => rows.BidPrice[i] + rows.AskPrice[i] != rows.BidPrice[i - 1] + rows.AskPrice[i - 1]);
        var offTick = rows.BidPrice.Concat(rows.AskPrice).Count(p => Math.Abs((p * 10) - Math.Round(p * 10)) > 1e-6);

        Assert.InRange(rows.Count, 0.9 * 4 * 3600, 1.1 * 4 * 3600);
        Assert.InRange(oneTick / (double)rows.Count, 0.95, 1.0);
        Assert.InRange(midChanges / (double)rows.Count, 0.15, 0.25);
        Assert.Equal(0, offTick);
        Assert.InRange(rows.BidPrice[0], 50_000, 70_000);
        Assert.All(rows.BidQty.Concat(rows.AskQty), q => Assert.True(q > 0));
    }

    [Fact]
    public async Task Seam_overlap_starts_a_day_with_the_previous_days_last_rows()
    {
        using var dir = new TempDir();
        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(days: 2) with { SeamOverlap = TimeSpan.FromSeconds(5) }, Ct);
        var first = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[0].Key), Ct);
        var second = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[1].Key), Ct);

        var both = await CompactParquetReader.ReadAsync([dir.File(result.Partitions[0].Key), dir.File(result.Partitions[1].Key)], Ct);

        var repeated = second.Seq.Intersect(first.Seq).Count();
        Assert.InRange(repeated, 5, 60);
        Assert.True(second.TsEvent[0] < TradingDate.StartUnixMs(DataTestFiles.Day.AddDays(1)));
        Assert.Equal(first.Count + second.Count - repeated, both.Count);
    }

    [Theory]
    [InlineData(SampleRegime.Signal, 0.58, 1.0)]
    [InlineData(SampleRegime.Noise, 0.45, 0.55)]
    public async Task Top_of_book_imbalance_predicts_the_ten_second_move_only_in_the_signal_regime(SampleRegime regime, double low, double high)
    {
        using var dir = new TempDir();
        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small() with { Hours = 3, Regime = regime }, Ct);
        var rows = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[0].Key), Ct);

        var hitRate = ImbalanceHitRate(rows, TradingDate.StartUnixMs(DataTestFiles.Day), horizonBars: 10, deadBandBps: 0.5);

        Assert.InRange(hitRate, low, high);
    }

    [Fact]
    public async Task In_the_flow_regime_the_recent_trend_foretells_a_two_minute_move_larger_than_a_takers_round_trip()
    {
        async Task<double> EdgeBps(SampleRegime regime)
        {
            using var dir = new TempDir();
            var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small() with { Hours = 3, Regime = regime }, Ct);
            var rows = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[0].Key), Ct);
            return TrendEdgeBps(rows, TradingDate.StartUnixMs(DataTestFiles.Day), lookbackBars: 120, horizonBars: 120, topShare: 0.1);
        }

        var signal = await EdgeBps(SampleRegime.Signal);
        var flow = await EdgeBps(SampleRegime.Flow);

        // A taker pays 5 bps each way: only a move above 10 bp after the strongest trends can pay for a round trip.
        Assert.True(flow > 10, $"two-minute move after the strongest tenth of two-minute trends: flow {flow:F1} bp, signal {signal:F1} bp");
        Assert.True(flow > 1.5 * signal, $"two-minute move after the strongest tenth of two-minute trends: flow {flow:F1} bp, signal {signal:F1} bp");
    }

    [Fact]
    public async Task A_wide_market_never_quotes_tighter_than_the_spread_asked_for()
    {
        using var dir = new TempDir();
        var result = await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small() with { Hours = 1, Regime = SampleRegime.Flow, SpreadBps = 20 }, Ct);
        var rows = await CompactParquetReader.ReadAsync(dir.File(result.Partitions[0].Key), Ct);

        var narrowest = Enumerable.Range(0, rows.Count).Min(i => (rows.AskPrice[i] - rows.BidPrice[i]) / ((rows.AskPrice[i] + rows.BidPrice[i]) / 2) * 1e4);
        // The floor is fixed in ticks at the symbol's reference price; the day's price wanders a few per cent from it.
        Assert.InRange(narrowest, 18, 21);
    }

    /// <summary>
    /// On one-second bars: the mean move in bp over the next <paramref name="horizonBars"/> bars in the direction of the
    /// last <paramref name="lookbackBars"/> bars' move, over the bars where that move was largest (the top <paramref name="topShare"/>).
    /// </summary>
    private static double TrendEdgeBps(BboColumns rows, long startMs, int lookbackBars, int horizonBars, double topShare)
    {
        var (mid, _) = Bars(rows, startMs);
        var calls = new List<(double Trend, double Move)>();
        for (var b = lookbackBars; b + horizonBars < mid.Length; b++)
        {
            calls.Add((Math.Log(mid[b] / mid[b - lookbackBars]), Math.Log(mid[b + horizonBars] / mid[b]) * 1e4));
        }

        var strongest = calls.OrderByDescending(c => Math.Abs(c.Trend)).Take((int)(calls.Count * topShare)).ToList();
        return strongest.Average(c => Math.Sign(c.Trend) * c.Move);
    }

    /// <summary>Mid and top-of-book imbalance at each one-second bar's close.</summary>
    private static (double[] Mid, double[] Imbalance) Bars(BboColumns rows, long startMs)
    {
        var bars = (int)((rows.TsEvent[^1] - startMs) / 1000);
        var mid = new double[bars];
        var imbalance = new double[bars];
        var row = 0;
        for (var b = 0; b < bars; b++)
        {
            var close = startMs + ((b + 1) * 1000L);
            while (row + 1 < rows.Count && rows.TsEvent[row + 1] < close)
            {
                row++;
            }

            mid[b] = (rows.BidPrice[row] + rows.AskPrice[row]) / 2;
            imbalance[b] = (rows.BidQty[row] - rows.AskQty[row]) / (rows.BidQty[row] + rows.AskQty[row]);
        }

        return (mid, imbalance);
    }

    /// <summary>
    /// On one-second bars: how often the sign of the 10-bar mean imbalance matches the sign of the next 10 bars' mid move,
    /// among moves outside the dead band — the simplest form of what the trainer learns.
    /// </summary>
    private static double ImbalanceHitRate(BboColumns rows, long startMs, int horizonBars, double deadBandBps)
    {
        var (mid, imbalance) = Bars(rows, startMs);
        var bars = mid.Length;
        int hits = 0, total = 0;
        for (var b = 10; b + horizonBars < bars; b++)
        {
            var move = Math.Log(mid[b + horizonBars] / mid[b]) * 1e4;
            if (Math.Abs(move) <= deadBandBps)
            {
                continue;
            }

            var lean = imbalance.AsSpan(b - 9, 10).ToArray().Average();
            hits += (lean > 0) == (move > 0) ? 1 : 0;
            total++;
        }

        Assert.True(total > 1000, $"only {total} directional bars");
        return hits / (double)total;
    }
}
