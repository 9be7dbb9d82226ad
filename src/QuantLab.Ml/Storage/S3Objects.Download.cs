using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>Verified downloads: one GET hashed as it is written, or the SDK's <see cref="TransferUtility"/> parallel ranged GETs hashed right after.</summary>
internal sealed partial class S3Objects
{
    /// <summary>
    /// Downloads one version of an object (pinned by its ETag; parallel ranged GETs above the multipart threshold) to
    /// <paramref name="localPath"/>, hashing it (while it arrives on one GET, right after the parallel ones), and checks the sha256 against <paramref name="expectedSha256"/>
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
    /// <see cref="TransferUtility"/>'s download to <paramref name="tmp"/>: ranged GETs of a part each (each pinned to
    /// <paramref name="etag"/>), several in flight, written at their offsets; then one sha256 pass over the file (from the
    /// page cache) before anything uses it. The SDK writes the parts out of order, so they cannot be hashed on their way
    /// in; its in-order download stream (<c>OpenStreamWithResponseAsync</c>) could be, but measured 0.35 × one GET
    /// against 0.89 × for this (docs/benchmarks.md).
    /// </summary>
    private async Task<string> TransferDownloadAsync(string bucket, string key, string? etag, long length, string tmp, CancellationToken ct)
    {
        using var transfer = new TransferUtility(client, new TransferUtilityConfig { ConcurrentServiceRequests = options.ConcurrentRequests });
        await transfer.DownloadWithResponseAsync(
            new TransferUtilityDownloadRequest
            {
                BucketName = bucket,
                Key = key,
                FilePath = tmp,
                IfMatch = etag,
                MultipartDownloadType = MultipartDownloadType.RANGE,
                PartSize = options.PartSizeBytes,
            },
            ct).ConfigureAwait(false);
        CheckLength(bucket, key, new FileInfo(tmp).Length, length);

        return await Hashing.Sha256FileAsync(tmp, ct).ConfigureAwait(false);
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

    private static void CheckLength(string bucket, string key, long received, long expected)
    {
        if (received != expected)
        {
            throw new QuantLabException($"S3 GET {Describe(bucket, key)} failed: {received} of {expected} bytes arrived (the connection ended early); try again");
        }
    }

    /// <summary>The SDK's parallel parts may surface a part's failure wrapped; the one inside is what gets classified.</summary>
    private static Exception Unwrap(Exception ex) =>
        ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : ex;
}
