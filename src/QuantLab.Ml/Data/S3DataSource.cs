using Amazon.S3;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Data;

/// <summary>
/// Compact data in an S3 bucket prefix, laid out like the folder source. Files are downloaded into a local cache named
/// by their sha256 (from meta.json for data.parquet) and only once checked, so a re-run reads them from disk.
/// </summary>
public sealed class S3DataSource : ICompactDataSource
{
    private readonly S3Objects objects;
    private readonly S3Root location;
    private readonly string cacheDir;

    /// <param name="client">The S3 client (not owned).</param>
    /// <param name="location">Where the layout starts: s3://bucket/prefix.</param>
    /// <param name="options">Transfer sizes.</param>
    /// <param name="cacheDir">Local cache: &lt;WorkDir&gt;/cache, holding &lt;sha256&gt;.parquet files.</param>
    public S3DataSource(IAmazonS3 client, S3Root location, S3Options options, string cacheDir)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDir);
        objects = new S3Objects(client, options);
        this.location = location;
        this.cacheDir = Path.GetFullPath(cacheDir);
    }

    public string Root => location.ToString();

    public string CacheDir => cacheDir;

    public async Task<string?> ReadTextAsync(string key, CancellationToken ct) =>
        (await objects.ReadTextAsync(location.Bucket, ObjectKey(key), ct).ConfigureAwait(false))?.Content;

    public async Task<long?> GetSizeAsync(string key, CancellationToken ct) =>
        (await objects.HeadAsync(location.Bucket, ObjectKey(key), ct).ConfigureAwait(false))?.ContentLength;

    public async Task<string> GetLocalFileAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKey(key);
        var expected = await ExpectedSha256Async(key, ct).ConfigureAwait(false);
        Directory.CreateDirectory(cacheDir);
        var extension = Path.GetExtension(key);
        if (expected is not null)
        {
            var cached = Path.Combine(cacheDir, expected + extension);
            if (File.Exists(cached))
            {
                // A cache file is only ever created checked, but a disk can still rot it: check again, fetch again if so.
                if (string.Equals(await Hashing.Sha256FileAsync(cached, ct).ConfigureAwait(false), expected, StringComparison.Ordinal))
                {
                    return cached;
                }

                File.Delete(cached);
            }

            _ = await objects.DownloadFileAsync(location.Bucket, objectKey, cached, expected, "meta.json", ct).ConfigureAwait(false)
                ?? throw new QuantLabException($"{location.Describe(key)} not found");
            return cached;
        }

        // Nothing says what the object should hash to: download, then file it under what it does hash to.
        var download = Path.Combine(cacheDir, $"download-{Guid.NewGuid():N}{extension}");
        var sha = await objects.DownloadFileAsync(location.Bucket, objectKey, download, expectedSha256: null, expectedFrom: string.Empty, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"{location.Describe(key)} not found");
        var named = Path.Combine(cacheDir, sha + extension);
        File.Move(download, named, overwrite: true);
        return named;
    }

    /// <summary>The sha256 meta.json gives for a data.parquet key, else null.</summary>
    private async Task<string?> ExpectedSha256Async(string key, CancellationToken ct)
    {
        if (!key.EndsWith("/" + CompactLayout.DataFileName, StringComparison.Ordinal))
        {
            return null;
        }

        var metaKey = key[..^CompactLayout.DataFileName.Length] + CompactLayout.MetaFileName;
        var metaText = await ReadTextAsync(metaKey, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"{location.Describe(metaKey)} is missing: cannot check {key} before using it");
        var sha = PartitionMeta.Parse(metaText, metaKey).Sha256?.Trim().ToLowerInvariant();
        if (sha is null || sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            throw new QuantLabException($"{metaKey} has no valid sha256: cannot check {key} before using it");
        }

        return sha;
    }

    /// <summary>Refuses keys that could leave the prefix (keys may come from state files).</summary>
    private string ObjectKey(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Contains('\\', StringComparison.Ordinal) || key.StartsWith('/')
            || key.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new QuantLabException($"invalid data key '{SymbolName.Printable(key)}': expected a relative path like exchange=binance/stream=bbo/...");
        }

        return location.KeyOf(key);
    }
}
