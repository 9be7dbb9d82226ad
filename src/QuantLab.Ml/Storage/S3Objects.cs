using System.Net;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// The S3 object operations the store and the data source share: verified uploads (sha256 in metadata, checked after
/// upload), downloads pinned to one version and checked against that sha256, and S3 errors turned into one-line messages.
/// </summary>
internal sealed class S3Objects
{
    /// <summary>User metadata key (x-amz-meta-sha256) holding the lower-case hex sha256 of every object this program writes.</summary>
    public const string Sha256Metadata = "sha256";

    /// <summary>Bytes moved per read/write/hash call on downloads (fewer, larger calls than the SDK's 80 KiB copies).</summary>
    private const int TransferBufferSize = 1 << 20;

    private readonly IAmazonS3 client;
    private readonly S3Options options;

    public S3Objects(IAmazonS3 client, S3Options options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.client = client;
        this.options = options;
    }

    public IAmazonS3 Client => client;

    /// <summary>Size, ETag and metadata of an object, or null when there is none.</summary>
    public async Task<GetObjectMetadataResponse?> HeadAsync(string bucket, string key, CancellationToken ct)
    {
        try
        {
            return await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("HEAD", bucket, key, ex);
        }
    }

    /// <summary>
    /// Uploads a file with its sha256 in metadata, then checks what S3 holds: size and metadata by HEAD, content by the
    /// MD5-based ETag, or by reading it back when the store's ETags are not MD5s (SSE-KMS).
    /// Above the multipart threshold every part is read once, hashed (its MD5 for the ETag check, and the running sha256 of
    /// the bytes actually sent) and uploaded, several parts in flight. The sha256 must be in the metadata when
    /// the upload is initiated, so it is <paramref name="knownSha256"/> when the caller has it (checked against the bytes
    /// sent before the upload is completed, else aborted), or a sha256 pass over the file first.
    /// </summary>
    /// <returns>The object's ETag.</returns>
    public async Task<string> UploadFileAsync(string bucket, string key, string localPath, string? knownSha256, CancellationToken ct)
    {
        var size = new FileInfo(localPath).Length;
        var known = knownSha256?.ToLowerInvariant();
        var (sha256, etag) = size >= options.MultipartThresholdBytes
            ? await MultipartUploadAsync(bucket, key, localPath, size, known, ct).ConfigureAwait(false)
            : await SingleUploadAsync(bucket, key, localPath, known, ct).ConfigureAwait(false);

        var head = await HeadAsync(bucket, key, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"upload of {Describe(bucket, key)} could not be verified: the object is not there after the upload");
        var storedSha = MetadataSha256(head);
        if (head.ContentLength != size || !string.Equals(storedSha, sha256, StringComparison.Ordinal))
        {
            throw new QuantLabException(
                $"upload of {Describe(bucket, key)} could not be verified: S3 holds {head.ContentLength} bytes with sha256 {Short(storedSha)} but {localPath} is {size} bytes with sha256 {Short(sha256)}");
        }

        if (!string.Equals(Unquote(head.ETag), etag, StringComparison.OrdinalIgnoreCase))
        {
            // Not an MD5 ETag (SSE-KMS, some compatible stores): the only proof left is to read it back.
            var check = Path.Combine(Path.GetTempPath(), "quantlab-verify-" + Guid.NewGuid().ToString("N"));
            try
            {
                await DownloadFileAsync(bucket, key, check, sha256, "the uploaded file", ct).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(check);
            }
        }

        return head.ETag;
    }

    /// <summary>One PUT with Content-MD5 (S3 and most compatible stores refuse a body that arrived different).</summary>
    private async Task<(string Sha256, string ETag)> SingleUploadAsync(string bucket, string key, string localPath, string? knownSha256, CancellationToken ct)
    {
        var digest = await LocalDigest.ComputeAsync(localPath, ct).ConfigureAwait(false);
        if (knownSha256 is not null && knownSha256 != digest.Sha256)
        {
            throw KnownDigestMismatch(bucket, key, localPath, digest.Sha256, knownSha256);
        }

        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            FilePath = localPath,
            ContentType = "application/octet-stream",
            MD5Digest = digest.Md5Base64,
        };
        request.Metadata.Add(Sha256Metadata, digest.Sha256);
        try
        {
            await client.PutObjectAsync(request, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("PUT", bucket, key, ex);
        }

        return (digest.Sha256, digest.ETag);
    }

    /// <summary>Initiate (with the sha256 metadata), the parts, complete; aborted on any failure so no part stays billed.</summary>
    private async Task<(string Sha256, string ETag)> MultipartUploadAsync(
        string bucket, string key, string localPath, long size, string? knownSha256, CancellationToken ct)
    {
        var metadataSha = knownSha256 ?? await Hashing.Sha256FileAsync(localPath, ct).ConfigureAwait(false);
        string uploadId;
        try
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = "application/octet-stream" };
            initiate.Metadata.Add(Sha256Metadata, metadataSha);
            uploadId = (await client.InitiateMultipartUploadAsync(initiate, ct).ConfigureAwait(false)).UploadId;
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("multipart upload", bucket, key, ex);
        }

        var completed = false;
        try
        {
            var parts = await UploadPartsAsync(bucket, key, uploadId, localPath, size, ct).ConfigureAwait(false);
            if (parts.Sha256 != metadataSha)
            {
                throw knownSha256 is null
                    ? new QuantLabException(
                        $"upload of {Describe(bucket, key)} stopped: {localPath} changed while it was uploaded (sha256 {Short(metadataSha)} before, {Short(parts.Sha256)} while sending); nothing was stored")
                    : KnownDigestMismatch(bucket, key, localPath, parts.Sha256, knownSha256);
            }

            try
            {
                await client.CompleteMultipartUploadAsync(
                    new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartETags = parts.PartETags },
                    ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRemoteFailure(ex))
            {
                throw Failure("multipart upload", bucket, key, ex);
            }

            completed = true;
            return (parts.Sha256, parts.ETag);
        }
        finally
        {
            if (!completed)
            {
                await AbortQuietlyAsync(bucket, key, uploadId).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reads the file part by part in order (one read: the sha256 of the whole and each part's MD5 come from the buffer that
    /// is sent; the sha256 here, in order, each MD5 in its part's task) and uploads up to <see cref="S3Options.ConcurrentRequests"/> parts at once, one buffer of a part's size each.
    /// </summary>
    private async Task<(string Sha256, string ETag, List<PartETag> PartETags)> UploadPartsAsync(
        string bucket, string key, string uploadId, string localPath, long size, CancellationToken ct)
    {
        var partSize = options.PartSizeBytes;
        var count = (int)((size + partSize - 1) / partSize);
        var partMd5s = new byte[count][];
        var partETags = new PartETag[count];
        var slots = Math.Min(options.ConcurrentRequests, count);
        var free = Channel.CreateBounded<byte[]>(slots);
        for (var i = 0; i < slots; i++)
        {
            free.Writer.TryWrite(new byte[(int)Math.Min(partSize, size)]);
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Exception? partFailure = null;
        var running = new List<Task>(count);

        async Task SendAsync(int number, byte[] buffer, int length)
        {
            try
            {
                // Here, not in the reading loop: the parts' MD5s run on the cores the reading does not use. No Content-MD5
                // header: the MD5s make the ETag that is checked after the upload (a store that checks Content-MD5 would
                // hash every part a second time; measured on fauxqs: 25 % slower).
                partMd5s[number - 1] = LocalDigest.Md5(buffer.AsSpan(0, length));
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                var response = await client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartNumber = number,
                        PartSize = length,
                        InputStream = body,
                    },
                    failed.Token).ConfigureAwait(false);
                partETags[number - 1] = new PartETag(number, response.ETag);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref partFailure, ex, null);
                await failed.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                free.Writer.TryWrite(buffer);
            }
        }

        try
        {
            using var file = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            for (var i = 0; i < count; i++)
            {
                var buffer = await free.Reader.ReadAsync(failed.Token).ConfigureAwait(false);
                var offset = i * partSize;
                var length = (int)Math.Min(partSize, size - offset);
                await ReadExactlyAsync(file, buffer.AsMemory(0, length), offset, localPath, failed.Token).ConfigureAwait(false);
                sha.AppendData(buffer, 0, length);
                var number = i + 1;
                running.Add(Task.Run(() => SendAsync(number, buffer, length), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (partFailure is not null)
        {
            // A part failed; its exception is thrown below.
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        if (partFailure is not null)
        {
            if (partFailure is not OperationCanceledException && IsRemoteFailure(partFailure))
            {
                throw Failure("multipart upload", bucket, key, partFailure);
            }

            ExceptionDispatchInfo.Throw(partFailure);
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), LocalDigest.MultipartETag(partMd5s), [.. partETags]);
    }

    private static async Task ReadExactlyAsync(SafeFileHandle file, Memory<byte> buffer, long offset, string path, CancellationToken ct)
    {
        while (buffer.Length > 0)
        {
            var read = await RandomAccess.ReadAsync(file, buffer, offset, ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new QuantLabException($"{path} became shorter while it was uploaded; nothing was stored");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    private async Task AbortQuietlyAsync(string bucket, string key, string uploadId)
    {
        try
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            // The upload's own error is what matters; a bucket lifecycle rule removes what an abort could not.
        }
    }

    private static QuantLabException KnownDigestMismatch(string bucket, string key, string localPath, string actual, string known) =>
        new($"upload of {Describe(bucket, key)} refused: {localPath} has sha256 {Short(actual)} but the caller expected {Short(known)}; nothing was stored");

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
                    ? await RangedDownloadAsync(bucket, key, head.ETag, head.ContentLength, tmp, ct).ConfigureAwait(false)
                    : await StreamDownloadAsync(bucket, key, head.ETag, head.ContentLength, tmp, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                throw new QuantLabException($"{Describe(bucket, key)} changed or vanished while it was downloaded; try again");
            }
            catch (Exception ex) when (IsRemoteFailure(ex))
            {
                throw Failure("GET", bucket, key, ex);
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

    /// <summary>One GET of the whole object into <paramref name="tmp"/>, hashed as it is written; returns the sha256.</summary>
    private async Task<string> StreamDownloadAsync(string bucket, string key, string? etag, long length, string tmp, CancellationToken ct)
    {
        using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, EtagToMatch = etag }, ct).ConfigureAwait(false);
        var buffer = new byte[TransferBufferSize];
        long total = 0;
        var file = new Sha256WriteStream(new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous));
        await using (file.ConfigureAwait(false))
        {
            int read;
            while ((read = await response.ResponseStream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                total += read;
            }

            CheckLength(bucket, key, total, length);
            return file.HexHash();
        }
    }

    /// <summary>
    /// Parallel ranged GETs (each pinned to <paramref name="etag"/>; at most one per core) written at their offsets of <paramref name="tmp"/>,
    /// while this task hashes the file's completed prefix in order (from the page cache), so no second pass follows.
    /// </summary>
    private async Task<string> RangedDownloadAsync(string bucket, string key, string? etag, long length, string tmp, CancellationToken ct)
    {
        var partSize = options.PartSizeBytes;
        var count = (int)((length + partSize - 1) / partSize);
        var done = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var file = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
        var next = -1;

        async Task WorkerAsync()
        {
            var buffer = new byte[TransferBufferSize];
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    var first = i * partSize;
                    var last = Math.Min(length, first + partSize) - 1;
                    using var response = await client.GetObjectAsync(
                        new GetObjectRequest { BucketName = bucket, Key = key, EtagToMatch = etag, ByteRange = new ByteRange(first, last) },
                        failed.Token).ConfigureAwait(false);
                    var offset = first;
                    int read;
                    while ((read = await response.ResponseStream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, failed.Token).ConfigureAwait(false)) > 0)
                    {
                        if (offset + read > last + 1)
                        {
                            throw new QuantLabException($"S3 GET {Describe(bucket, key)} failed: the range {first}-{last} came back longer than asked");
                        }

                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), offset, failed.Token).ConfigureAwait(false);
                        offset += read;
                    }

                    CheckLength(bucket, key, offset - first, last - first + 1);
                    done[i].TrySetResult();
                }
                catch (Exception ex)
                {
                    failure.TrySetException(ex);
                    await failed.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }

        // At most one part per core (at least two): every stream costs this machine CPU (receive, write, and the hasher
        // behind them), and more streams than cores only delay the prefix the hasher waits for. Measured on 2 cores,
        // 256 MiB from fauxqs: 2 in flight 0.98 x one GET stream, 4 in flight 0.86 x, 8 in flight 0.57 x.
        var streams = Math.Min(Math.Min(options.ConcurrentRequests, Math.Max(2, Environment.ProcessorCount)), count);
        var workers = Enumerable.Range(0, streams).Select(_ => Task.Run(WorkerAsync, CancellationToken.None)).ToList();
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[TransferBufferSize];
            for (var i = 0; i < count; i++)
            {
                await (await Task.WhenAny(done[i].Task, failure.Task).ConfigureAwait(false)).ConfigureAwait(false);
                var end = Math.Min(length, (i + 1) * partSize);
                for (var offset = i * partSize; offset < end;)
                {
                    var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - offset)), offset, ct).ConfigureAwait(false);
                    sha.AppendData(buffer, 0, read);
                    offset += read;
                }
            }

            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        finally
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
    }

    private static void CheckLength(string bucket, string key, long received, long expected)
    {
        if (received != expected)
        {
            throw new QuantLabException($"S3 GET {Describe(bucket, key)} failed: {received} of {expected} bytes arrived (the connection ended early); try again");
        }
    }

    /// <summary>A small UTF-8 object and its ETag (checked against its sha256 metadata when present), or null when absent.</summary>
    public async Task<(string Content, string ETag)?> ReadTextAsync(string bucket, string key, CancellationToken ct)
    {
        try
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
            var bytes = buffer.ToArray();
            if (response.Metadata[Sha256Metadata] is { Length: > 0 } expected && !string.Equals(Hashing.Sha256(bytes), expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new QuantLabException($"{Describe(bucket, key)} is corrupt: its sha256 is {Short(Hashing.Sha256(bytes))} but its metadata says {Short(expected)}");
            }

            return (new UTF8Encoding(false, true).GetString(bytes), response.ETag);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (DecoderFallbackException)
        {
            throw new QuantLabException($"{Describe(bucket, key)} is not UTF-8 text");
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("GET", bucket, key, ex);
        }
    }

    /// <summary>
    /// Writes a small UTF-8 object with If-None-Match: * (<see cref="WriteCondition.MustNotExist"/>) or If-Match: etag;
    /// 412 and 409 mean somebody else wrote first and become <see cref="ConcurrentWriteException"/>. Returns the new ETag.
    /// </summary>
    public async Task<string> WriteTextAsync(string bucket, string key, string content, WriteCondition condition, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        using var body = new MemoryStream(bytes, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "text/plain; charset=utf-8",
            MD5Digest = Convert.ToBase64String(LocalDigest.Md5(bytes)),
        };
        request.Metadata.Add(Sha256Metadata, Hashing.Sha256(bytes));
        if (condition.MustNotExist)
        {
            request.IfNoneMatch = "*";
        }

        if (condition.IfMatchETag is { } etag)
        {
            request.IfMatch = etag;
        }

        try
        {
            var response = await client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return response.ETag;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            throw new ConcurrentWriteException(condition.MustNotExist
                ? $"{Describe(bucket, key)} already exists (created concurrently)"
                : $"{Describe(bucket, key)} changed under you (it is no longer version {condition.IfMatchETag})");
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && condition.IfMatchETag is not null && ex.ErrorCode != "NoSuchBucket")
        {
            throw new ConcurrentWriteException($"{Describe(bucket, key)} was deleted under you (expected version {condition.IfMatchETag})");
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("PUT", bucket, key, ex);
        }
    }

    /// <summary>Every object key under a prefix, across pages.</summary>
    public async Task<IReadOnlyList<string>> ListKeysAsync(string bucket, string prefix, CancellationToken ct)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        try
        {
            while (true)
            {
                var page = await client.ListObjectsV2Async(request, ct).ConfigureAwait(false);
                keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
                if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
                {
                    return keys;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("LIST", bucket, prefix, ex);
        }
    }

    public async Task DeleteAsync(string bucket, string key, CancellationToken ct)
    {
        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            // Already gone.
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure("DELETE", bucket, key, ex);
        }
    }

    public static string Describe(string bucket, string key) => $"s3://{bucket}/{key}";

    private static string? MetadataSha256(GetObjectMetadataResponse head) =>
        head.Metadata[Sha256Metadata] is { Length: > 0 } sha ? sha.Trim().ToLowerInvariant() : null;

    private static string Unquote(string? etag) => (etag ?? string.Empty).Trim('"');

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(12, sha.Length)] + "…";

    /// <summary>A failure of the call to S3 (the SDK lets a broken connection through as a plain IOException); local file errors are not.</summary>
    private static bool IsRemoteFailure(Exception ex) =>
        ex is AmazonServiceException or AmazonClientException or HttpRequestException
        || (ex is IOException && ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException));

    /// <summary>One line an operator can act on: what failed where, with S3's error code (never credentials).</summary>
    private QuantLabException Failure(string operation, string bucket, string key, Exception ex)
    {
        var endpoint = client.Config.ServiceURL ?? client.Config.RegionEndpoint?.SystemName ?? "S3";
        var detail = ex switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => $"bucket {bucket} does not exist at {endpoint}",
            AmazonServiceException s when s.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
                $"access denied ({s.ErrorCode ?? ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}): check the credentials and the bucket policy",
            AmazonServiceException s => $"{s.ErrorCode ?? "HTTP " + ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {s.Message}",
            HttpRequestException or AmazonClientException => $"cannot talk to {endpoint}: {ex.Message}",
            _ => $"the transfer with {endpoint} broke off: {ex.Message}",
        };
        return new QuantLabException($"S3 {operation} {Describe(bucket, key)} failed: {detail}", ex);
    }
}
