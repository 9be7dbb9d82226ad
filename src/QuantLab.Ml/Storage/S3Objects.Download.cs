using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>Verified downloads: one GET, or the SDK's <see cref="TransferUtility"/> stream of parallel ranged GETs, hashed as it is written.</summary>
internal sealed partial class S3Objects
{
    /// <summary>
    /// Downloads one version of an object (pinned by its ETag; parallel ranged GETs above the multipart threshold) to
    /// <paramref name="localPath"/>, hashing while it arrives, and checks the sha256 against <paramref name="expectedSha256"/>
    /// or, when null, the object's sha256 metadata (if any). The file appears only once checked. Returns the sha256, or
    /// null when the object does not exist. <paramref name="expectedFrom"/> names where the expected sha256 comes from.
    /// </summary>
    public async Task<string?> DownloadFileAsync(
        string bucket, string key, string localPath, string? expectedSha256, string expectedFrom, CancellationToken ct)
    {
        var head = await HeadAsync(bucket, key, ct).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var expected = expectedSha256?.ToLowerInvariant() ?? MetadataSha256(head);
        var dir = Path.GetDirectoryName(Path.GetFullPath(localPath))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(localPath)}.part-{Guid.NewGuid():N}");
        try
        {
            string actual;
            try
            {
                actual = head.ContentLength >= options.MultipartThresholdBytes
                    ? await TransferDownloadAsync(bucket, key, head.ETag, head.ContentLength, tmp, ct).ConfigureAwait(false)
                    : await StreamDownloadAsync(bucket, key, head.ETag, head.ContentLength, tmp, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (Unwrap(ex) is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound })
            {
                throw new QuantLabException($"{Describe(bucket, key)} changed or vanished while it was downloaded; try again");
            }
            catch (Exception ex) when (IsRemoteFailure(Unwrap(ex)))
            {
                throw Failure("GET", bucket, key, Unwrap(ex));
            }

            if (expected is not null && !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new QuantLabException(
                    $"{Describe(bucket, key)} is corrupt or not the expected version: its sha256 is {actual} but {(expectedSha256 is null ? "its sha256 metadata" : expectedFrom)} says {expected}");
            }

            File.Move(tmp, localPath, overwrite: true);
            return actual;
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>One GET of the whole object, pinned to <paramref name="etag"/>; returns the sha256 of what was written.</summary>
    private async Task<string> StreamDownloadAsync(string bucket, string key, string? etag, long length, string tmp, CancellationToken ct)
    {
        using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, EtagToMatch = etag }, ct).ConfigureAwait(false);
        return await WriteHashedAsync(response.ResponseStream, bucket, key, length, tmp, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="TransferUtility"/>'s download stream: ranged GETs of a part each (each pinned to <paramref name="etag"/>),
    /// several in flight, served in order; this task hashes and writes them as they come, so no pass follows the transfer.
    /// Measured against the SDK's download to a file followed by a hashing pass: see docs/benchmarks.md.
    /// </summary>
    private async Task<string> TransferDownloadAsync(string bucket, string key, string? etag, long length, string tmp, CancellationToken ct)
    {
        using var transfer = new TransferUtility(client, new TransferUtilityConfig { ConcurrentServiceRequests = options.ConcurrentRequests });
        var request = new TransferUtilityOpenStreamRequest
        {
            BucketName = bucket,
            Key = key,
            IfMatch = etag,
            MultipartDownloadType = MultipartDownloadType.RANGE,
            PartSize = options.PartSizeBytes,

            // Parts wait in memory until the writer reaches them: twice the parts in flight keeps every stream busy
            // without holding a large object in memory (the SDK's default is 1024 parts).
            MaxInMemoryParts = 2 * options.ConcurrentRequests,
        };
        using var response = await transfer.OpenStreamWithResponseAsync(request, ct).ConfigureAwait(false);
        return await WriteHashedAsync(response.ResponseStream, bucket, key, length, tmp, ct).ConfigureAwait(false);
    }

    /// <summary>Copies <paramref name="source"/> into a new <paramref name="tmp"/>, hashing as it writes; returns the sha256.</summary>
    private static async Task<string> WriteHashedAsync(Stream source, string bucket, string key, long length, string tmp, CancellationToken ct)
    {
        var buffer = new byte[TransferBufferSize];
        long total = 0;
        var file = new Sha256WriteStream(new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous));
        await using (file.ConfigureAwait(false))
        {
            int read;
            while ((read = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                total += read;
            }

            if (total != length)
            {
                throw new QuantLabException($"S3 GET {Describe(bucket, key)} failed: {total} of {length} bytes arrived (the connection ended early); try again");
            }

            return file.HexHash();
        }
    }

    /// <summary>The SDK's parallel parts may surface a part's failure wrapped; the one inside is what gets classified.</summary>
    private static Exception Unwrap(Exception ex) =>
        ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : ex;
}
