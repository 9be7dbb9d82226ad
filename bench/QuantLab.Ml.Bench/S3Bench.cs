using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Bench;

/// <summary>
/// Item 3 of #10: one object up and down through <see cref="S3ArtifactStore"/> (the SDK's TransferUtility: multipart with
/// parallel parts, sha256 metadata, verification) beside one plain PutObject / GetObject stream of the same bytes with the same client.
/// </summary>
internal static class S3Bench
{
    private const string Group = "s3";
    private const string Target = ">= 1.0 x single stream";

    public static async Task<IReadOnlyList<BenchRow>> RunAsync(BenchArgs args, CancellationToken ct)
    {
        var url = BenchArgs.Require("QUANTLAB_TEST_S3_URL");
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .ToDictionary(k => k, Environment.GetEnvironmentVariable, StringComparer.Ordinal);
        // The shipped defaults; QUANTLAB_BENCH_S3_{PART_MIB,CONCURRENCY,THRESHOLD_MIB} try other values without a rebuild.
        var shipped = new S3Options();
        var options = shipped with
        {
            ServiceUrl = url,
            PartSizeMiB = Knob("QUANTLAB_BENCH_S3_PART_MIB", shipped.PartSizeMiB),
            ConcurrentRequests = Knob("QUANTLAB_BENCH_S3_CONCURRENCY", shipped.ConcurrentRequests),
            MultipartThresholdMiB = Knob("QUANTLAB_BENCH_S3_THRESHOLD_MIB", shipped.MultipartThresholdMiB),
        };
        using var client = S3ClientFactory.Create(options, environment);
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..12];
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, ct).ConfigureAwait(false);
        var store = new S3ArtifactStore(client, S3Root.Parse($"s3://{bucket}/store", "bench"), options);

        // The same store with the ranged threshold above the file: its one-stream download path, for the row beside the ranged one.
        var streamStore = new S3ArtifactStore(client, S3Root.Parse($"s3://{bucket}/store", "bench"), options with { MultipartThresholdMiB = 5120 });

        Directory.CreateDirectory(args.Work);
        var source = Path.Combine(args.Work, "payload.bin");
        await Timings.WriteRandomFileAsync(source, args.Bytes, ct).ConfigureAwait(false);
        var sourceSha = await Common.Hashing.Sha256FileAsync(source, ct).ConfigureAwait(false);
        var back = Path.Combine(args.Work, "back.bin");
        Timings storeUp = new(), knownUp = new(), plainUp = new(), storeDown = new(), streamDown = new(), plainDown = new(), transferUp = new(), transferDown = new(), transferThenHash = new();
        using var transfer = new TransferUtility(client, new TransferUtilityConfig { ConcurrentServiceRequests = options.ConcurrentRequests });
        var single = await SinglePutWorksAsync(client, bucket, source, ct).ConfigureAwait(false);
        Func<Task> plainPut = single
            ? () => client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "plain.bin", FilePath = source }, ct)
            : () => SequentialMultipartAsync(client, bucket, "plain.bin", source, options.PartSizeBytes, ct);
        try
        {
            for (var rep = 0; rep < args.Repetitions; rep++)
            {
                await storeUp.MeasureAsync(() => store.PutFileAsync("payload.bin", source, ct)).ConfigureAwait(false);
                await plainUp.MeasureAsync(plainPut).ConfigureAwait(false);
                await knownUp.MeasureAsync(() => store.PutFileAsync("payload.bin", source, sourceSha, ct)).ConfigureAwait(false);
                await transferUp.MeasureAsync(() => transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = bucket, Key = "transfer.bin", FilePath = source, PartSize = options.PartSizeBytes }, ct)).ConfigureAwait(false);
                // Every download starts without the target file, as a real one does (the file deleted outside the timing).
                File.Delete(back);
                await storeDown.MeasureAsync(() => store.GetFileAsync("payload.bin", back, ct)).ConfigureAwait(false);
                File.Delete(back);
                await transferDown.MeasureAsync(() => transfer.DownloadWithResponseAsync(
                    new TransferUtilityDownloadRequest { BucketName = bucket, Key = "transfer.bin", FilePath = back, MultipartDownloadType = MultipartDownloadType.RANGE, PartSize = options.PartSizeBytes },
                    ct)).ConfigureAwait(false);
                File.Delete(back);
                await transferThenHash.MeasureAsync(async () =>
                {
                    await transfer.DownloadWithResponseAsync(
                        new TransferUtilityDownloadRequest { BucketName = bucket, Key = "transfer.bin", FilePath = back, MultipartDownloadType = MultipartDownloadType.RANGE, PartSize = options.PartSizeBytes },
                        ct).ConfigureAwait(false);
                    await Common.Hashing.Sha256FileAsync(back, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                File.Delete(back);
                await streamDown.MeasureAsync(() => streamStore.GetFileAsync("payload.bin", back, ct)).ConfigureAwait(false);
                File.Delete(back);
                await plainDown.MeasureAsync(async () =>
                {
                    using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "plain.bin" }, ct).ConfigureAwait(false);
                    var file = new FileStream(back, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    await using var fileRelease = file.ConfigureAwait(false);
                    await response.ResponseStream.CopyToAsync(file, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }
        finally
        {
            await EmptyAsync(client, bucket, ct).ConfigureAwait(false);
            Directory.Delete(args.Work, recursive: true);
        }

        var how = $"part {options.PartSizeMiB} MiB x {options.ConcurrentRequests} in flight, multipart from {options.MultipartThresholdMiB} MiB";
        return
        [
            BenchRow.Throughput(
                Group,
                "upload (S3ArtifactStore.PutFileAsync)",
                args.Bytes,
                storeUp,
                single ? "single PutObject" : "sequential UploadPart stream",
                plainUp,
                Target,
                1.0,
                how + "; includes a sha256 pass before the transfer, the parts' MD5s beside it, and the HEAD check"
                + (single ? string.Empty : $"; the server refused one {args.SizeMiB} MiB PutObject (fauxqs caps a request body at 11 MiB), so the reference is the same bytes as one part after another on one connection")),
            BenchRow.Throughput(
                Group,
                "upload with known sha256 (PutFileAsync(key, path, sha256))",
                args.Bytes,
                knownUp,
                single ? "single PutObject" : "sequential UploadPart stream",
                plainUp,
                Target,
                1.0,
                how + "; what the model registry calls (it has the sha256 already): the same sha256 pass refuses a wrong one before anything is sent (TransferUtility reads the file itself, so the bytes sent cannot be hashed in flight)"),
            BenchRow.Throughput(Group, "upload, multipart transfer alone (TransferUtility)", args.Bytes, transferUp, single ? "single PutObject" : "sequential UploadPart stream", plainUp, "report", 0, how + "; what the store does without its hashing and HEAD"),
            BenchRow.Throughput(Group, "download, ranged transfer alone (TransferUtility)", args.Bytes, transferDown, "single GetObject", plainDown, "report", 0, how + "; what the store does without its HEAD and sha256 check"),
            BenchRow.Throughput(Group, "download (S3ArtifactStore.GetFileAsync)", args.Bytes, storeDown, "single GetObject", plainDown, Target, 1.0, how + "; TransferUtility's ranged-GET stream (the file is above the threshold), HEAD, sha256 hashed as it is written"),
            BenchRow.Throughput(Group, "download, TransferUtility to a file then a sha256 pass", args.Bytes, transferThenHash, "single GetObject", plainDown, "report", 0, how + "; the alternative to hashing the stream as it is written"),
            BenchRow.Throughput(Group, "download, one-stream path of the store", args.Bytes, streamDown, "single GetObject", plainDown, "report", 0, "the store's path below the ranged threshold (threshold raised above the file): HEAD, one GET, sha256 hashed as it is written"),
        ];
    }

    private static int Knob(string variable, int shipped) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : shipped;

    /// <summary>Whether the server takes the whole file in one PutObject (fauxqs refuses bodies over 11 MiB).</summary>
    private static async Task<bool> SinglePutWorksAsync(AmazonS3Client client, string bucket, string source, CancellationToken ct)
    {
        // One try only: the SDK's retries would send the refused body a dozen times.
        var config = (AmazonS3Config)client.Config;
        var retries = config.MaxErrorRetry;
        config.MaxErrorRetry = 0;
        try
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "plain.bin", FilePath = source }, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is AmazonS3Exception or IOException or HttpRequestException)
        {
            return false;
        }
        finally
        {
            config.MaxErrorRetry = retries;
        }
    }

    /// <summary>The plainest stream of the same bytes a capped server takes: multipart, one part after another, nothing in parallel.</summary>
    private static async Task SequentialMultipartAsync(AmazonS3Client client, string bucket, string key, string source, long partSize, CancellationToken ct)
    {
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
        var parts = new List<PartETag>();
        var length = new FileInfo(source).Length;
        for (var (number, offset) = (1, 0L); offset < length; number++, offset += partSize)
        {
            var part = await client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = bucket, Key = key, UploadId = upload.UploadId, PartNumber = number,
                    FilePath = source, FilePosition = offset, PartSize = Math.Min(partSize, length - offset),
                },
                ct).ConfigureAwait(false);
            parts.Add(new PartETag(number, part.ETag));
        }

        await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = parts }, ct).ConfigureAwait(false);
    }

    private static async Task EmptyAsync(AmazonS3Client client, string bucket, CancellationToken ct)
    {
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, ct).ConfigureAwait(false);
        foreach (var o in listed.S3Objects ?? [])
        {
            await client.DeleteObjectAsync(bucket, o.Key, ct).ConfigureAwait(false);
        }

        await client.DeleteBucketAsync(bucket, ct).ConfigureAwait(false);
    }
}
