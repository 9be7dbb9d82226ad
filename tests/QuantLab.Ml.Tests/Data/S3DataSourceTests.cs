using Amazon.S3.Model;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Compact data read from the real S3 server: same readiness, same dataset, cached by sha256, refused when corrupt.</summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class S3DataSourceTests(S3Fixture s3) : IDisposable
{
    private readonly TempDir temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Sample days in a folder and the same tree uploaded under a fresh S3 prefix.</summary>
    private async Task<(FolderDataSource Folder, S3DataSource S3, S3Root Location)> SampleAsync(int days = 1)
    {
        var folder = temp.Combine("compact");
        await SampleDataWriter.WriteAsync(folder, DataTestFiles.Small(days: days), Ct);
        var location = s3.NewLocation();
        await s3.UploadTreeAsync(folder, location.Bucket, location.Prefix, Ct);
        return (new FolderDataSource(folder), new S3DataSource(s3.Client, location, s3.Options, temp.Combine("cache")), location);
    }

    private static Task<ReadinessReport> CheckAsync(ICompactDataSource source, DateOnly day, int window = 1) =>
        ReadinessChecker.CheckWindowAsync(source, "binance", "bbo", "btcusdt", day, window, DataTestFiles.SmallDayChecks, Ct);

    [Fact]
    public async Task Data_read_from_s3_is_ready_and_builds_the_same_dataset_and_job_id_as_from_a_folder()
    {
        var (folder, s3Source, _) = await SampleAsync(days: 2);
        var end = DataTestFiles.Day.AddDays(1);

        var fromFolder = await CheckAsync(folder, end, window: 2);
        var fromS3 = await CheckAsync(s3Source, end, window: 2);

        Assert.True(fromS3.IsReady, string.Join("; ", fromS3.Reasons));
        Assert.Equal(fromFolder.Partitions, fromS3.Partitions);
        var options = new QuantLabOptions();
        var planFolder = await JobPlanner.PlanAsync(options, folder, "btcusdt", end, fromFolder.Partitions, temp.Combine("job-folder"), Ct);
        var planS3 = await JobPlanner.PlanAsync(options, s3Source, "btcusdt", end, fromS3.Partitions, temp.Combine("job-s3"), Ct);
        Assert.Equal(planFolder.Spec.DatasetSha256, planS3.Spec.DatasetSha256);
        Assert.Equal(planFolder.Spec.JobId, planS3.Spec.JobId);
    }

    [Fact]
    public async Task A_day_not_compacted_yet_is_not_ready_on_s3_for_the_same_reason_as_in_a_folder()
    {
        var (folder, s3Source, _) = await SampleAsync();
        var tomorrow = DataTestFiles.Day.AddDays(1);

        var fromFolder = await CheckAsync(folder, tomorrow);
        var fromS3 = await CheckAsync(s3Source, tomorrow);

        Assert.Equal(ReadinessStatus.NotReady, fromS3.Status);
        Assert.Equal(fromFolder.Reasons, fromS3.Reasons);
    }

    [Fact]
    public async Task A_checked_download_is_cached_by_sha256_so_a_rerun_does_not_download_again()
    {
        var (_, s3Source, location) = await SampleAsync();
        var key = DataTestFiles.DataKey(DataTestFiles.Day);

        var first = await s3Source.GetLocalFileAsync(key, Ct);
        await s3.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = location.Bucket, Key = location.KeyOf(key) }, Ct);
        var again = await new S3DataSource(s3.Client, location, s3.Options, s3Source.CacheDir).GetLocalFileAsync(key, Ct);

        Assert.Equal(first, again);
        Assert.Equal(Path.Combine(s3Source.CacheDir, await Hashing.Sha256FileAsync(first, Ct) + ".parquet"), first);
    }

    [Fact]
    public async Task Parquet_bytes_that_do_not_match_meta_json_fail_the_day_and_never_enter_the_cache()
    {
        var (_, s3Source, location) = await SampleAsync();
        var key = DataTestFiles.DataKey(DataTestFiles.Day);
        var original = temp.Combine("compact", key);
        var tampered = temp.Combine("tampered.parquet");
        var bytes = await File.ReadAllBytesAsync(original, Ct);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(tampered, bytes, Ct);
        await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = location.Bucket, Key = location.KeyOf(key), FilePath = tampered }, Ct);

        var report = await CheckAsync(s3Source, DataTestFiles.Day);

        Assert.Equal(ReadinessStatus.Failed, report.Status);
        Assert.Contains(report.Reasons, r => r.Contains("sha256", StringComparison.Ordinal) && r.Contains(location.Bucket, StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(s3Source.CacheDir));
    }

    [Fact]
    public async Task Large_data_files_come_down_in_parallel_ranges_intact()
    {
        var location = s3.NewLocation();
        var bytes = new byte[10 * 1024 * 1024 + 3];
        new Random(5).NextBytes(bytes);
        var local = temp.Combine("big.bin");
        await File.WriteAllBytesAsync(local, bytes, Ct);
        await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = location.Bucket, Key = location.KeyOf("blobs/big.bin"), FilePath = local }, Ct);
        var source = new S3DataSource(s3.Client, location, s3.Options, temp.Combine("cache"));

        var path = await source.GetLocalFileAsync("blobs/big.bin", Ct);

        Assert.Equal(Hashing.Sha256(bytes), Path.GetFileNameWithoutExtension(path));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path, Ct));
    }

    public void Dispose() => temp.Dispose();
}
