using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

/// <summary>The readiness checker on a folder of sample data, and the assertion every readiness test makes.</summary>
internal static class ReadinessChecks
{
    public static readonly DateOnly Day = DataTestFiles.Day;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<ReadinessReport> CheckAsync(TempDir dir, DateOnly? day = null) =>
        ReadinessChecker.CheckAsync(new FolderDataSource(dir.Path), "binance", "bbo", "btcusdt", day ?? Day, DataTestFiles.SmallDayChecks, Ct);

    public static Task<ReadinessReport> CheckWindowAsync(TempDir dir, int days) =>
        ReadinessChecker.CheckWindowAsync(new FolderDataSource(dir.Path), "binance", "bbo", "btcusdt", Day, days, DataTestFiles.SmallDayChecks, Ct);

    public static Task<SampleDataResult> WriteAsync(TempDir dir, SampleOptions? options = null) =>
        SampleDataWriter.WriteAsync(dir.Path, options ?? DataTestFiles.Small(), Ct);

    public static void AssertStatus(ReadinessReport report, ReadinessStatus status, params string[] reasonParts)
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
}
