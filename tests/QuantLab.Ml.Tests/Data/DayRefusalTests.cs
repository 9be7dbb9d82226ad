using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Intact files whose content is not a training day are refused, one sentence with the numbers each; a few bad quotes are dropped.</summary>
[Trait("Category", "Unit")]
public sealed class DayRefusalTests : IDisposable
{
    private static readonly DateOnly Day = DataTestFiles.Day;
    private static readonly long DayStart = TradingDate.StartUnixMs(Day);
    private readonly TempDir dir = new();

    /// <summary>A day of 20,000 quotes over 20 hours: passes every default threshold.</summary>
    private static BboColumns GoodDay() => DataTestFiles.Quotes(DayStart, TimeSpan.FromHours(20), 20_000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => dir.Dispose();

    private async Task WriteDayAsync(BboColumns rows)
    {
        await SampleDataWriter.WriteAsync(dir.Path, DataTestFiles.Small(), Ct);
        await DataTestFiles.ReplaceDayAsync(dir, Day, rows, Ct);
    }

    private Task<ReadinessReport> CheckAsync(DataCheckOptions? checks = null) =>
        ReadinessChecker.CheckAsync(new FolderDataSource(dir.Path), "binance", "bbo", "btcusdt", Day, checks ?? new DataCheckOptions(), Ct);

    private static string AssertRefused(ReadinessReport report, params string[] parts)
    {
        var reasons = string.Join(" | ", report.Reasons);
        Assert.True(report.Status == ReadinessStatus.Failed, $"expected Failed, got {report.Status}: {reasons}");
        Assert.Empty(report.Partitions);
        var refusal = report.Reasons[^1];
        foreach (var part in parts)
        {
            Assert.True(refusal.Contains(part, StringComparison.Ordinal), $"'{part}' not in: {refusal}");
        }

        return refusal;
    }

    private static void AssertReady(ReadinessReport report) =>
        Assert.True(report.IsReady, $"expected Ready, got {report.Status}: {string.Join(" | ", report.Reasons)}");

    private static BboColumns Shifted(BboColumns rows, long byMs) => rows with { TsEvent = [.. rows.TsEvent.Select(t => t + byMs)] };

    [Fact]
    public async Task A_full_day_passes_the_default_thresholds()
    {
        await WriteDayAsync(GoodDay());

        var report = await CheckAsync();

        AssertReady(report);
        Assert.Contains("20 of 24 hours covered", report.Reasons[^1], StringComparison.Ordinal);
        Assert.Equal(0, report.Partition!.DroppedRows);
        Assert.True(report.Partition.ChecksumVerified);
    }

    [Fact]
    public async Task A_day_whose_rows_are_all_dated_five_days_later_is_refused_as_filed_under_the_wrong_day()
    {
        await WriteDayAsync(Shifted(GoodDay(), (long)TimeSpan.FromDays(5).TotalMilliseconds));

        var report = await CheckAsync();

        AssertRefused(report, "20000 of 20000 rows have ts_event outside 2026-01-15", "the first at 2026-01-20 00:00:00.000Z", "filed under the wrong day");
    }

    [Fact]
    public async Task A_day_of_1969_timestamps_is_refused()
    {
        await WriteDayAsync(DataTestFiles.Quotes(-86_400_000, TimeSpan.FromHours(20), 20_000));

        var report = await CheckAsync();

        AssertRefused(report, "20000 of 20000 rows have ts_event outside 2026-01-15", "the first at 1969-12-31 00:00:00.000Z");
    }

    [Fact]
    public async Task Rows_starting_a_few_minutes_before_midnight_are_allowed_and_earlier_ones_refused()
    {
        var early = DataTestFiles.Quotes(DayStart - 65_000, TimeSpan.FromHours(20), 20_000);
        await WriteDayAsync(early);
        AssertReady(await CheckAsync());

        var tooEarly = DataTestFiles.Quotes(DayStart - (long)TimeSpan.FromMinutes(6).TotalMilliseconds, TimeSpan.FromHours(20), 20_000);
        await DataTestFiles.ReplaceDayAsync(dir, Day, tooEarly, Ct);

        var report = await CheckAsync();

        AssertRefused(report, "rows have ts_event outside 2026-01-15", "allowed 2026-01-14 23:55:00.000Z to before 2026-01-16 00:00:00.000Z", "BeforeMidnightTolerance 00:05:00");
    }

    [Fact]
    public async Task A_row_after_the_next_midnight_refuses_the_day()
    {
        var rows = GoodDay();
        rows.TsEvent[^1] = DayStart + (long)TimeSpan.FromDays(1).TotalMilliseconds;
        await WriteDayAsync(rows);

        var report = await CheckAsync();

        AssertRefused(report, "1 of 20000 rows have ts_event outside 2026-01-15", "the first at 2026-01-16 00:00:00.000Z");
    }

    [Fact]
    public async Task Timestamps_differing_from_meta_json_are_refused_naming_both()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["ts_event_max"] = DayStart + 1, Ct);

        var report = await CheckAsync();

        AssertRefused(report, $"but meta.json says {DayStart} to {DayStart + 1}", "not the one meta.json describes");
    }

    [Fact]
    public async Task A_day_without_rows_is_refused_before_any_dataset_is_built()
    {
        await WriteDayAsync(DataTestFiles.Quotes(DayStart, TimeSpan.FromHours(1), 0));

        var report = await CheckAsync();

        AssertRefused(report, "has no rows: nothing to train on for 2026-01-15");
    }

    [Fact]
    public async Task A_day_with_fewer_rows_than_the_minimum_is_refused()
    {
        await WriteDayAsync(DataTestFiles.Quotes(DayStart, TimeSpan.FromHours(20), 5_000));

        var report = await CheckAsync();

        AssertRefused(report, "has 5000 usable rows, fewer than DataCheck:MinRows 10000");
    }

    [Fact]
    public async Task A_half_empty_day_is_refused_on_its_covered_hours()
    {
        await WriteDayAsync(DataTestFiles.Quotes(DayStart, TimeSpan.FromHours(6), 20_000));

        var report = await CheckAsync();

        AssertRefused(report, "covers 6 of the 24 hours of 2026-01-15 (2026-01-15 00:00:00.000Z to 2026-01-15 05:59:", "fewer than DataCheck:MinCoveredHours 12");
        AssertReady(await CheckAsync(new DataCheckOptions { MinCoveredHours = 6 }));
    }

    [Fact]
    public async Task Too_many_crossed_or_non_positive_quotes_refuse_the_day_with_each_count()
    {
        var rows = GoodDay();
        for (var i = 0; i < 300; i++)
        {
            rows.AskPrice[i * 50] = rows.BidPrice[i * 50];            // locked
        }

        rows.BidPrice[1] = 0;                                           // non-positive price
        rows.AskQty[2] = -1;                                            // non-positive size
        rows.BidQty[3] = double.NaN;                                    // not a size at all
        await WriteDayAsync(rows);

        var report = await CheckAsync();

        AssertRefused(report, "303 of 20000 rows (1.515%) are unusable quotes (300 crossed or locked with bid >= ask, 1 with a non-positive price, 2 with a non-positive size)", "above DataCheck:MaxUnusableRowShare 1%");
    }

    [Fact]
    public async Task A_few_crossed_quotes_are_dropped_recorded_and_never_read_for_training()
    {
        var rows = GoodDay();
        var crossed = new[] { 10, 5000, 19_999 };
        foreach (var i in crossed)
        {
            rows.BidPrice[i] = rows.AskPrice[i] + 0.5;
        }

        await WriteDayAsync(rows);

        var report = await CheckAsync();

        AssertReady(report);
        Assert.Equal(3, report.Partition!.DroppedRows);
        var reasons = string.Join(" | ", report.Reasons);
        Assert.True(reasons.Contains("3 of 20000 rows (0.015%) are unusable quotes (3 crossed or locked with bid >= ask, 0 with a non-positive price, 0 with a non-positive size): dropped, not trained on", StringComparison.Ordinal), reasons);
        var read = await CompactParquetReader.ReadAsync(dir.File(DataTestFiles.DataKey(Day)), Ct);
        Assert.Equal(20_000 - 3, read.Count);
        Assert.DoesNotContain(crossed.Select(i => rows.TsEvent[i]), read.TsEvent.Contains);
        Assert.All(Enumerable.Range(0, read.Count), i => Assert.True(read.BidPrice[i] < read.AskPrice[i]));
    }

    [Fact]
    public async Task A_checksum_of_N_A_is_accepted_on_rows_size_schema_and_timestamps_and_recorded_as_unverified()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["sha256"] = "N/A", Ct);

        var report = await CheckAsync();

        AssertReady(report);
        Assert.False(report.Partition!.ChecksumVerified);
        Assert.Equal(64, report.Partition.Sha256.Length);
        Assert.Contains(report.Reasons, r => r.Contains("its sha256 is \"N/A\", so the checksum could not be verified", StringComparison.Ordinal));
        Assert.Contains(report.Reasons, r => r.Contains("checksum not verified", StringComparison.Ordinal) && r.Contains("flagged in the run record", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_checksum_of_N_A_still_fails_a_file_that_differs_from_meta_json_in_rows()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m =>
        {
            m["sha256"] = "N/A";
            m["rows"] = 19_999;
        }, Ct);

        var report = await CheckAsync();

        AssertRefused(report, "has 20000 rows but meta.json says 19999");
    }

    [Fact]
    public async Task With_require_checksum_a_day_without_one_is_not_ready_saying_why()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["sha256"] = "N/A", Ct);

        var report = await CheckAsync(new DataCheckOptions { RequireChecksum = true });

        Assert.Equal(ReadinessStatus.NotReady, report.Status);
        Assert.Contains("has no checksum (sha256 \"N/A\")", report.Reasons[^1], StringComparison.Ordinal);
        Assert.Contains("DataCheck:RequireChecksum", report.Reasons[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checksum_that_is_not_hex_is_refused()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["sha256"] = 12345, Ct);

        var report = await CheckAsync();

        AssertRefused(report, "has sha256 '12345', which is neither 64 hex digits nor the compactor's \"N/A\"");
    }

    [Fact]
    public async Task An_unknown_day_quality_is_refused_naming_it()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["day_quality"] = "DIAGNOSTIC_SLICE", Ct);

        var report = await CheckAsync();

        AssertRefused(report, "day quality 'DIAGNOSTIC_SLICE' is not one this version knows", "only GOOD and DEGRADED days are trained on");
    }

    [Fact]
    public async Task Meta_json_declaring_another_row_order_is_refused()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["ordering_columns"] = new System.Text.Json.Nodes.JsonArray("ts_recv"), Ct);

        var report = await CheckAsync();

        AssertRefused(report, "says the rows are ordered by (ts_recv)");
    }

    [Theory]
    [InlineData("BAD", ReadinessStatus.Failed, "marks day 20260115 as BAD (updated 2026-01-16T02:44:10Z): the compactor's verdict on the whole day")]
    [InlineData("PARTIAL", ReadinessStatus.Failed, "marks day 20260115 as PARTIAL")]
    [InlineData("failed", ReadinessStatus.Failed, "marks day 20260115 as failed")]
    [InlineData("in_progress", ReadinessStatus.NotReady, "marks day 20260115 as in_progress (updated 2026-01-16T02:44:10Z): compaction is still working on it")]
    public async Task A_day_level_verdict_beats_a_partition_that_looks_fine(string status, ReadinessStatus expected, string reason)
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditStateAsync(dir, s => s["days"]![TradingDate.Compact(Day)] = new System.Text.Json.Nodes.JsonObject
        {
            ["status"] = status,
            ["updated_at"] = "2026-01-16T02:44:10Z",
        }, Ct);

        var report = await CheckAsync();

        Assert.Equal(expected, report.Status);
        Assert.Contains(reason, Assert.Single(report.Reasons), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("success")]
    [InlineData("GOOD")]
    [InlineData("DEGRADED")]
    public async Task A_day_level_success_lets_the_day_through(string status)
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditStateAsync(dir, s => s["days"]![TradingDate.Compact(Day)]!["status"] = status, Ct);

        AssertReady(await CheckAsync());
    }

    [Fact]
    public async Task The_own_partition_entry_that_is_not_an_object_fails_only_this_day()
    {
        await WriteDayAsync(GoodDay());
        await DataTestFiles.EditStateAsync(dir, s => s["partitions"]![DataTestFiles.PartitionId(Day)] = "done", Ct);

        var report = await CheckAsync();

        AssertRefused(report, "partition binance/bbo/btcusdt/20260115 in compacted/_state.json is not an object (\"done\")");
    }
}
