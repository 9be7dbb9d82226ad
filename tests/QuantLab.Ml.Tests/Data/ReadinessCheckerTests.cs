using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;
using static QuantLab.Ml.Tests.Data.ReadinessChecks;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Readiness of one day from the producer's state and quality: compacted, still compacting, given up on, bad, degraded.</summary>
[Trait("Category", "Unit")]
public sealed class ReadinessCheckerTests
{
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
}
