using System.Security.Cryptography;

namespace QuantLab.Ml.Storage;

/// <summary>sha256 of a local file and its MD5 (Content-MD5 and the ETag S3 gives a single PUT), in one read; and the ETag of a multipart upload.</summary>
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

    /// <summary>
    /// The ETag S3 gives <paramref name="path"/> uploaded in parts of <paramref name="partSize"/> bytes, from one read of
    /// the file (its parts are hashed in parallel, a part per core, as the page cache serves them).
    /// </summary>
    public static async Task<string> MultipartETagAsync(string path, long partSize, CancellationToken ct)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var length = RandomAccess.GetLength(file);
        var count = (int)Math.Max(1, (length + partSize - 1) / partSize);
        var partMd5s = new byte[count][];
        await Parallel.ForAsync(0, count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, token) =>
        {
#pragma warning disable CA5351 // See above: S3's integrity digest.
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
            var buffer = new byte[1 << 20];
            var end = Math.Min(length, (i + 1) * partSize);
            for (var offset = i * partSize; offset < end;)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - offset)), offset, token).ConfigureAwait(false);
                if (read == 0)
                {
                    break; // The file shrank: the ETag comes out different and the upload is read back and checked.
                }

                md5.AppendData(buffer, 0, read);
                offset += read;
            }

            partMd5s[i] = md5.GetHashAndReset();
        }).ConfigureAwait(false);
        return MultipartETag(partMd5s);
    }

    /// <summary>The ETag S3 gives a multipart upload: the MD5 of the parts' MD5s, a dash, the number of parts.</summary>
    public static string MultipartETag(IReadOnlyList<byte[]> partMd5s) =>
        $"{Convert.ToHexStringLower(Md5(partMd5s.SelectMany(d => d).ToArray()))}-{partMd5s.Count}";

#pragma warning disable CA5351 // See above: S3's integrity digest.
    public static byte[] Md5(ReadOnlySpan<byte> data) => MD5.HashData(data);
#pragma warning restore CA5351
}
