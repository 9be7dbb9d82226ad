using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
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
    /// Uploads a file (multipart above the threshold) with its sha256 in metadata, then checks what S3 holds: size and
    /// metadata by HEAD, content by the MD5-based ETag, or by reading it back when the store's ETags are not MD5s (SSE-KMS).
    /// </summary>
    /// <returns>The object's ETag.</returns>
    public async Task<string> UploadFileAsync(string bucket, string key, string localPath, CancellationToken ct)
    {
        var size = new FileInfo(localPath).Length;
        var multipart = size >= options.MultipartThresholdBytes;
        var digest = await LocalDigest.ComputeAsync(localPath, multipart ? options.PartSizeBytes : null, ct).ConfigureAwait(false);
        try
        {
            if (multipart)
            {
                var request = new TransferUtilityUploadRequest
                {
                    BucketName = bucket,
                    Key = key,
                    FilePath = localPath,
                    PartSize = options.PartSizeBytes,
                    ContentType = "application/octet-stream",
                };
                request.Metadata.Add(Sha256Metadata, digest.Sha256);
                using var transfer = Transfer();
                await transfer.UploadAsync(request, ct).ConfigureAwait(false);
            }
            else
            {
                var request = new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = key,
                    FilePath = localPath,
                    ContentType = "application/octet-stream",

                    // Content-MD5: S3 (and most compatible stores) refuse a body that arrived different.
                    MD5Digest = digest.Md5Base64,
                };
                request.Metadata.Add(Sha256Metadata, digest.Sha256);
                await client.PutObjectAsync(request, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure(multipart ? "multipart upload" : "PUT", bucket, key, ex);
        }

        var head = await HeadAsync(bucket, key, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"upload of {Describe(bucket, key)} could not be verified: the object is not there after the upload");
        var storedSha = MetadataSha256(head);
        if (head.ContentLength != size || !string.Equals(storedSha, digest.Sha256, StringComparison.Ordinal))
        {
            throw new QuantLabException(
                $"upload of {Describe(bucket, key)} could not be verified: S3 holds {head.ContentLength} bytes with sha256 {Short(storedSha)} but {localPath} is {size} bytes with sha256 {Short(digest.Sha256)}");
        }

        if (!string.Equals(Unquote(head.ETag), digest.ETag, StringComparison.OrdinalIgnoreCase))
        {
            // Not an MD5 ETag (SSE-KMS, other part sizes, some compatible stores): the only proof left is to read it back.
            var check = Path.Combine(Path.GetTempPath(), "quantlab-verify-" + Guid.NewGuid().ToString("N"));
            try
            {
                await DownloadFileAsync(bucket, key, check, digest.Sha256, "the uploaded file", ct).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(check);
            }
        }

        return head.ETag;
    }

    /// <summary>
    /// Downloads one version of an object (parallel ranged GETs above the threshold) to <paramref name="localPath"/> and
    /// checks its sha256 against <paramref name="expectedSha256"/> or, when null, the object's sha256 metadata (if any).
    /// The file appears only once checked. Returns the sha256, or null when the object does not exist.
    /// <paramref name="expectedFrom"/> names where the expected sha256 comes from (e.g. meta.json), for the message.
    /// </summary>
    public async Task<string?> DownloadFileAsync(
        string bucket, string key, string localPath, string? expectedSha256, string expectedFrom, CancellationToken ct)
    {
        var head = await HeadAsync(bucket, key, ct).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var expected = expectedSha256 ?? MetadataSha256(head);
        var dir = Path.GetDirectoryName(Path.GetFullPath(localPath))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(localPath)}.part-{Guid.NewGuid():N}");
        try
        {
            try
            {
                if (head.ContentLength >= options.MultipartThresholdBytes)
                {
                    using var transfer = Transfer();
                    await transfer.DownloadWithResponseAsync(
                        new TransferUtilityDownloadRequest
                        {
                            BucketName = bucket,
                            Key = key,
                            FilePath = tmp,
                            IfMatch = head.ETag,
                            MultipartDownloadType = MultipartDownloadType.RANGE,
                            PartSize = options.PartSizeBytes,
                        },
                        ct).ConfigureAwait(false);
                }
                else
                {
                    using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, EtagToMatch = head.ETag }, ct)
                        .ConfigureAwait(false);
                    var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    await using (file.ConfigureAwait(false))
                    {
                        await response.ResponseStream.CopyToAsync(file, ct).ConfigureAwait(false);
                    }
                }
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                throw new QuantLabException($"{Describe(bucket, key)} changed or vanished while it was downloaded; try again");
            }
            catch (Exception ex) when (IsRemoteFailure(ex))
            {
                throw Failure("GET", bucket, key, ex);
            }

            var actual = await Hashing.Sha256FileAsync(tmp, ct).ConfigureAwait(false);
            if (expected is not null && !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
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

    /// <summary>A transfer utility over the shared client (it does not own the client; disposing it leaves the client open).</summary>
    private TransferUtility Transfer() => new(client, new TransferUtilityConfig
    {
        ConcurrentServiceRequests = options.ConcurrentRequests,
        MinSizeBeforePartUpload = options.MultipartThresholdBytes,
    });

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
