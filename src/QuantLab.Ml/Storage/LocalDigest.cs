using System.Security.Cryptography;

namespace QuantLab.Ml.Storage;

/// <summary>sha256 of a local file and its MD5 (Content-MD5 and the ETag S3 gives a single PUT), in one read.</summary>
internal sealed record LocalDigest(string Sha256, string ETag, string Md5Base64)
{
    public static async Task<LocalDigest> ComputeAsync(string path, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5351 // MD5 is what S3 uses for Content-MD5 and ETags; it is an integrity check here, not security.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        var buffer = new byte[1 << 20];
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                md5.AppendData(buffer, 0, read);
            }
        }

        var whole = md5.GetHashAndReset();
        return new LocalDigest(Convert.ToHexStringLower(sha.GetHashAndReset()), Convert.ToHexStringLower(whole), Convert.ToBase64String(whole));
    }

    /// <summary>The ETag S3 gives a multipart upload: the MD5 of the parts' MD5s, a dash, the number of parts.</summary>
    public static string MultipartETag(IReadOnlyList<byte[]> partMd5s) =>
        $"{Convert.ToHexStringLower(Md5(partMd5s.SelectMany(d => d).ToArray()))}-{partMd5s.Count}";

#pragma warning disable CA5351 // See above: S3's integrity digest.
    public static byte[] Md5(ReadOnlySpan<byte> data) => MD5.HashData(data);
#pragma warning restore CA5351
}
