using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class ReadinessCheckerTests
{
    private static readonly DateOnly Day = DataTestFiles.Day;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<ReadinessReport> CheckAsync(TempDir dir, DateOnly? day = null) =>
        ReadinessChecker.CheckAsync(new FolderDataSource(dir.Path), "binance", "bbo", "btcusdt", day ?? Day, DataTestFiles.SmallDayChecks, Ct);

    private static Task<ReadinessReport> CheckWindowAsync(TempDir dir, int days) =>
        ReadinessChecker.CheckWindowAsync(new FolderDataSource(dir.Path), "binance", "bbo", "btcusdt", Day, days, DataTestFiles.SmallDayChecks, Ct);

    private static Task<SampleDataResult> WriteAsync(TempDir dir, SampleOptions? options = null) =>
        SampleDataWriter.WriteAsync(dir.Path, options ?? DataTestFiles.Small(), Ct);

    private static void AssertStatus(ReadinessReport report, ReadinessStatus status, params string[] reasonParts)
    {
        var reasons = string.Join(" | ", report.Reasons);
        Assert.True(report.Status == status, $"expected {status}, got {report.Status}: {reasons}");
        foreach (var part in reasonParts)
        {
            Assert.Contains(part, reasons, StringComparison.Ordinal);
        }

        if (status != ReadinessStatus.Ready)
        {
            Assert.Null(report.Partition);
            Assert.Empty(report.Partitions);
        }
    }

    [Fact]
    public async Task A_good_compacted_day_is_ready_with_its_verified_partition()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Ready, "compaction has reached 20260115", "match meta.json");
        Assert.False(report.Degraded);
        Assert.Equal(written.Partitions[0], report.Partition);
        Assert.Equal(written.Partitions, report.Partitions);
    }

    [Fact]
    public async Task Without_a_state_file_the_check_fails_and_asks_whether_data_is_right()
    {
        using var dir = new TempDir();

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"no compacted/_state.json under {dir.Path} — is --data right?");
    }

    [Fact]
    public async Task A_malformed_state_file_fails_naming_it()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await File.WriteAllTextAsync(dir.File(CompactLayout.StateKey), "{\"partitions\": 12", Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "compacted/_state.json is not valid JSON");
    }

    [Fact]
    public async Task A_day_after_the_last_compacted_one_is_not_ready_yet()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-1)));
        await WriteAsync(dir, DataTestFiles.Small() with { Compacted = false });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.NotReady, "compaction has reached 20260114, not 20260115", "is in_progress");
    }

    [Fact]
    public async Task A_day_is_not_ready_before_compaction_has_finished_any_day()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Compacted = false });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.NotReady, "has no last_compacted_date", "20260115 is not compacted");
    }

    [Theory]
    [InlineData("in_progress")]
    [InlineData("locked")]
    [InlineData("stalled")]
    public async Task A_partition_still_being_compacted_is_not_ready(string status)
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Status = status });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.NotReady, $"partition binance/bbo/btcusdt/20260115 is {status}");
    }

    [Theory]
    [InlineData("quarantine", true)]
    [InlineData("aborted", true)]
    [InlineData("no_files", true)]
    [InlineData("download_failed", false)]
    [InlineData("skipped", false)]
    public async Task A_partition_compaction_gave_up_on_fails_with_its_status_and_error(string status, bool compacted)
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Status = status, Compacted = compacted });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"partition binance/bbo/btcusdt/20260115 has status {status}", $"SampleFailure: synthetic {status}");
    }

    [Fact]
    public async Task A_day_compacted_without_this_symbols_partition_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Symbol = "ethusdt" });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "compaction has reached 20260115, but compacted/_state.json has no partition binance/bbo/btcusdt/20260115");
    }

    [Fact]
    public async Task A_partition_with_an_unknown_status_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.EditPartitionAsync(dir, Day, p => p["status"] = "exploded", Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "unknown status 'exploded'");
    }

    [Theory]
    [InlineData("BAD")]
    [InlineData("PARTIAL")]
    public async Task A_bad_or_partial_day_is_not_for_training(string quality)
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Quality = quality });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"day quality {quality}: not for training");
    }

    [Fact]
    public async Task Meta_json_saying_bad_fails_even_when_the_state_says_good()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["day_quality"] = "BAD", Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "meta.json has day quality BAD: not for training");
    }

    [Fact]
    public async Task A_degraded_day_is_ready_but_flagged()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small() with { Quality = "DEGRADED" });

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Ready, "binance/bbo/btcusdt/20260115 is DEGRADED");
        Assert.True(report.Degraded);
        Assert.Equal("DEGRADED", report.Partition!.DayQuality);
    }

    [Fact]
    public async Task A_day_without_any_quality_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m.Remove("day_quality"), Ct);
        await DataTestFiles.EditPartitionAsync(dir, Day, p => p.Remove("day_quality_post"), Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "has no day_quality");
    }

    [Fact]
    public async Task A_missing_data_file_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        File.Delete(dir.File(DataTestFiles.DataKey(Day)));

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.DataKey(Day)} is missing");
    }

    [Fact]
    public async Task A_missing_meta_json_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        File.Delete(dir.File(DataTestFiles.MetaKey(Day)));

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.MetaKey(Day)} is missing");
    }

    [Fact]
    public async Task A_malformed_meta_json_fails_naming_it()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await File.WriteAllTextAsync(dir.File(DataTestFiles.MetaKey(Day)), "{\"rows\": \"lots\"}", Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.MetaKey(Day)} is not valid JSON");
    }

    [Fact]
    public async Task A_truncated_data_file_fails_on_its_size()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        var path = dir.File(DataTestFiles.DataKey(Day));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(written.Partitions[0].SizeBytes / 2);
        }

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"is {written.Partitions[0].SizeBytes / 2} bytes but compacted/_state.json says total_size_bytes {written.Partitions[0].SizeBytes}");
    }

    [Fact]
    public async Task A_truncated_data_file_with_matching_meta_fails_as_unreadable()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        using (var file = File.OpenWrite(dir.File(DataTestFiles.DataKey(Day))))
        {
            file.SetLength(written.Partitions[0].SizeBytes / 2);
        }

        await DataTestFiles.ResealAsync(dir, Day, written.Partitions[0].Rows, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "is not a readable parquet file");
    }

    [Fact]
    public async Task A_sha256_differing_from_meta_json_fails_naming_both()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        var wrong = new string('0', 64);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["sha256"] = wrong, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"sha256 of {DataTestFiles.DataKey(Day)} is {written.Partitions[0].Sha256} but meta.json says {wrong}");
    }

    [Fact]
    public async Task A_row_count_differing_from_meta_json_fails_naming_both()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["rows"] = 12345, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"has {written.Partitions[0].Rows} rows but meta.json says 12345");
    }

    [Fact]
    public async Task An_unsupported_schema_version_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["schema_version"] = 2, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "schema_version 2");
    }

    [Fact]
    public async Task A_data_file_lacking_a_bbo_column_fails_naming_it()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.WriteRawAsync(dir.File(DataTestFiles.DataKey(Day)), Ct, [.. DataTestFiles.RawBboColumns().Where(c => c.Field.Name != CompactSchema.AskPrice)]);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "schema lacks the BBO column ask_price");
    }

    [Fact]
    public async Task A_data_file_with_unusable_column_types_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        var columns = DataTestFiles.RawBboColumns();
        columns[1] = (new Parquet.Schema.DataField<double?>(CompactSchema.Seq), new double?[] { 1, 2, 3 });
        await DataTestFiles.WriteRawAsync(dir.File(DataTestFiles.DataKey(Day)), Ct, [.. columns]);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "column seq is Double, expected Int64");
    }

    [Fact]
    public async Task A_data_file_not_ordered_by_event_time_and_sequence_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        var path = dir.File(DataTestFiles.DataKey(Day));
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows((1000, 1, 1), (3000, 2, 1), (2000, 3, 1)), Ct);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "not strictly ordered by (ts_event, seq)");
    }

    [Fact]
    public async Task A_window_is_ready_when_every_day_is_and_lists_the_partitions_in_date_order()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-2), days: 3));

        var report = await CheckWindowAsync(dir, 3);

        AssertStatus(report, ReadinessStatus.Ready);
        Assert.Equal([Day.AddDays(-2), Day.AddDays(-1), Day], report.Partitions.Select(p => p.Date));
        Assert.Null(report.Partition);
    }

    [Fact]
    public async Task A_window_is_not_ready_while_its_last_day_is_not_compacted()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-2), days: 2));

        var report = await CheckWindowAsync(dir, 3);

        AssertStatus(report, ReadinessStatus.NotReady, "compaction has reached 20260114, not 20260115");
    }

    [Fact]
    public async Task A_failed_day_in_a_window_beats_a_day_not_ready_yet()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-2)));
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-1)) with { Status = "quarantine", Compacted = false });
        await WriteAsync(dir, DataTestFiles.Small() with { Compacted = false });

        var report = await CheckWindowAsync(dir, 3);

        AssertStatus(report, ReadinessStatus.Failed, "binance/bbo/btcusdt/20260114 has status quarantine", "not 20260115");
    }

    [Fact]
    public async Task A_window_with_a_degraded_day_is_ready_and_flagged()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-1)) with { Quality = "DEGRADED" });
        await WriteAsync(dir);

        var report = await CheckWindowAsync(dir, 2);

        AssertStatus(report, ReadinessStatus.Ready, "20260114 is DEGRADED");
        Assert.True(report.Degraded);
    }

    [Fact]
    public async Task A_window_with_a_corrupt_older_day_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir, DataTestFiles.Small(from: Day.AddDays(-1), days: 2));
        await DataTestFiles.EditMetaAsync(dir, Day.AddDays(-1), m => m["sha256"] = new string('f', 64), Ct);

        var report = await CheckWindowAsync(dir, 2);

        AssertStatus(report, ReadinessStatus.Failed, "sha256 of exchange=binance/stream=bbo/symbol=btcusdt/date=20260114/data.parquet");
    }

    [Theory]
    [InlineData("btc/usdt", 1)]
    [InlineData("btcusdt", 0)]
    public async Task Bad_arguments_are_usage_errors(string symbol, int windowDays)
    {
        using var dir = new TempDir();

        await Assert.ThrowsAsync<UsageException>(() =>
            ReadinessChecker.CheckWindowAsync(new FolderDataSource(dir.Path), "binance", "bbo", symbol, Day, windowDays, DataTestFiles.SmallDayChecks, Ct));
    }
}
