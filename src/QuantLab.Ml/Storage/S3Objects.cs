using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// The S3 object operations the store and the data source share: verified uploads (sha256 in metadata, checked after
/// upload), downloads pinned to one version and checked against that sha256, and S3 errors turned into one-line messages.
/// This file: small objects, conditional writes, listing and errors; the file transfers (through the SDK's
/// <c>TransferUtility</c>) are in S3Objects.Upload.cs and S3Objects.Download.cs.
/// </summary>
internal sealed partial class S3Objects
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
