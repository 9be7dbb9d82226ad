using System.Security.Cryptography;

namespace QuantLab.Ml.Storage;

/// <summary>sha256 of a local file and the ETag S3 will give it (MD5, or MD5 of part MD5s for multipart), in one read.</summary>
internal sealed record LocalDigest(string Sha256, string ETag, string Md5Base64)
{
    /// <param name="path">The file.</param>
    /// <param name="partSize">The multipart part size, or null for a single PUT.</param>
    /// <param name="ct">Cancels the read.</param>
    public static async Task<LocalDigest> ComputeAsync(string path, long? partSize, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5351 // MD5 is what S3 uses for Content-MD5 and ETags; it is an integrity check here, not security.
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var part = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        var partDigests = new List<byte[]>();
        long inPart = 0;
        var buffer = new byte[1 << 20];
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                var span = buffer.AsSpan(0, read);
                sha.AppendData(span);
                whole.AppendData(span);
                while (partSize is { } size && span.Length > 0)
                {
                    var take = (int)Math.Min(span.Length, size - inPart);
                    part.AppendData(span[..take]);
                    inPart += take;
                    span = span[take..];
                    if (inPart == size)
                    {
                        partDigests.Add(part.GetHashAndReset());
                        inPart = 0;
                    }
                }
            }
        }

        if (inPart > 0)
        {
            partDigests.Add(part.GetHashAndReset());
        }

        var md5 = whole.GetHashAndReset();
        var etag = partSize is null
            ? Convert.ToHexStringLower(md5)
            : $"{Convert.ToHexStringLower(Md5(partDigests.SelectMany(d => d).ToArray()))}-{partDigests.Count}";
        return new LocalDigest(Convert.ToHexStringLower(sha.GetHashAndReset()), etag, Convert.ToBase64String(md5));
    }

#pragma warning disable CA5351 // See above: S3's integrity digest.
    public static byte[] Md5(byte[] data) => MD5.HashData(data);
#pragma warning restore CA5351
}
