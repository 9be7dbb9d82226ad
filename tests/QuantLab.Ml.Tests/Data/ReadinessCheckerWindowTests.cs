using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;
using static QuantLab.Ml.Tests.Data.ReadinessChecks;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Readiness of a window of days: every day ready, the worst day decides.</summary>
[Trait("Category", "Unit")]
public sealed class ReadinessCheckerWindowTests
{
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
