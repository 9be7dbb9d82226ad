using Amazon.S3.Transfer;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>Verified uploads through the SDK's <see cref="TransferUtility"/> (one PUT, or a multipart upload with parts in parallel).</summary>
internal sealed partial class S3Objects
{
    /// <summary>
    /// Uploads a file with its sha256 in metadata, then checks what S3 holds: size and metadata by HEAD, content by the
    /// MD5-based ETag, or by reading it back when the store's ETags are not MD5s (SSE-KMS).
    /// The sha256 must be in the metadata when the upload starts and <see cref="TransferUtility"/> reads the file itself
    /// (each part at its offset, several in flight), so the bytes sent cannot be hashed on their way: a sha256 pass comes
    /// first, and a <paramref name="knownSha256"/> that differs from it is refused before anything is sent. The parts' MD5s
    /// (for the ETag check only) are computed while the parts go up, on the cores the transfer leaves idle.
    /// </summary>
    /// <returns>The object's ETag.</returns>
    public async Task<string> UploadFileAsync(string bucket, string key, string localPath, string? knownSha256, CancellationToken ct)
    {
        var size = new FileInfo(localPath).Length;
        var multipart = size >= options.MultipartThresholdBytes;
        var request = new TransferUtilityUploadRequest
        {
            BucketName = bucket,
            Key = key,
            FilePath = localPath,
            PartSize = options.PartSizeBytes,
            ContentType = "application/octet-stream",
        };

        string sha256;
        string? singleETag = null;
        if (multipart)
        {
            sha256 = await Hashing.Sha256FileAsync(localPath, ct).ConfigureAwait(false);
        }
        else
        {
            var digest = await LocalDigest.ComputeAsync(localPath, ct).ConfigureAwait(false);
            (sha256, singleETag) = (digest.Sha256, digest.ETag);

            // Content-MD5 on the one PUT: S3 and most compatible stores refuse a body that arrived different.
            request.Headers.ContentMD5 = digest.Md5Base64;
        }

        if (knownSha256?.ToLowerInvariant() is { } known && known != sha256)
        {
            throw new QuantLabException(
                $"upload of {Describe(bucket, key)} refused: {localPath} has sha256 {Short(sha256)} but the caller expected {Short(known)}; nothing was stored");
        }

        request.Metadata.Add(Sha256Metadata, sha256);
        using var hashing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var partsETag = multipart
            ? Task.Run(() => LocalDigest.MultipartETagAsync(localPath, options.PartSizeBytes, hashing.Token), CancellationToken.None)
            : Task.FromResult(singleETag!);
        try
        {
            await SendAsync(request, multipart, ct).ConfigureAwait(false);
        }
        catch
        {
            // The transfer's error is the one to report; the hashing beside it only has to stop.
            await hashing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(partsETag).ConfigureAwait(false);
            throw;
        }

        var etag = await partsETag.ConfigureAwait(false);
        return await VerifyUploadAsync(bucket, key, localPath, size, sha256, etag, ct).ConfigureAwait(false);
    }

    /// <summary>The transfer; a failed multipart upload is aborted by <see cref="TransferUtility"/> so no part stays billed.</summary>
    private async Task SendAsync(TransferUtilityUploadRequest request, bool multipart, CancellationToken ct)
    {
        using var transfer = new TransferUtility(client, new TransferUtilityConfig
        {
            ConcurrentServiceRequests = options.ConcurrentRequests,
            MinSizeBeforePartUpload = options.MultipartThresholdBytes,
        });
        try
        {
            await transfer.UploadAsync(request, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRemoteFailure(ex))
        {
            throw Failure(multipart ? "multipart upload" : "PUT", request.BucketName, request.Key, ex);
        }
    }

    /// <summary>
    /// Size and sha256 metadata by HEAD, content by the ETag the local MD5s predict; when they differ (SSE-KMS ETags, or a
    /// file that changed while it was sent) the object is read back and hashed against the sha256 it was stored with.
    /// </summary>
    /// <returns>The object's ETag.</returns>
    private async Task<string> VerifyUploadAsync(string bucket, string key, string localPath, long size, string sha256, string etag, CancellationToken ct)
    {
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
            // Not the MD5 ETag of the bytes hashed (SSE-KMS, some compatible stores, or the file changed while it was
            // sent): the only proof left is to read it back.
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
}
