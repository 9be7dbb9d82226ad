namespace QuantLab.Ml.Storage;

/// <summary>A key/object store for models, run records and locks (a local folder or an S3 bucket prefix).</summary>
/// <remarks>Keys use '/' separators and are relative to the store root. Layout and semantics live in <see cref="ModelRegistry"/>.</remarks>
public interface IArtifactStore
{
    /// <summary>Human-readable root, e.g. /srv/quantlab or s3://bucket/prefix.</summary>
    string Root { get; }

    /// <summary>Uploads a local file; returns the object's version tag (ETag).</summary>
    Task<string> PutFileAsync(string key, string localPath, CancellationToken ct);

    /// <summary>
    /// Uploads a local file whose sha256 the caller already knows (e.g. checked against the trainer's manifest when it came
    /// down): the store checks the file against it (S3: in its sha256 pass before anything is sent) and fails without
    /// storing anything when they differ. Returns the object's version tag.
    /// </summary>
    async Task<string> PutFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        await CheckSha256Async(localPath, sha256, $"{localPath} (for {key})", ct).ConfigureAwait(false);
        return await PutFileAsync(key, localPath, ct).ConfigureAwait(false);
    }

    /// <summary>Downloads an object to a local file; throws <see cref="ArtifactNotFoundException"/> when absent.</summary>
    Task GetFileAsync(string key, string localPath, CancellationToken ct);

    /// <summary>
    /// Downloads an object to a local file and checks it against <paramref name="sha256"/> (e.g. from a manifest): the file
    /// is in place only when it matches (S3: hashed while it arrives). Throws <see cref="ArtifactNotFoundException"/> when absent.
    /// </summary>
    async Task GetFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        await GetFileAsync(key, localPath, ct).ConfigureAwait(false);
        try
        {
            await CheckSha256Async(localPath, sha256, $"{Root} {key}", ct).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(localPath);
            throw;
        }
    }

    /// <summary>Reads a small text object with its version tag, or null when absent.</summary>
    Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct);

    /// <summary>Writes a small text object under a condition; throws <see cref="ConcurrentWriteException"/> when the condition fails.</summary>
    Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct);

    /// <summary>Keys under a prefix (recursive), sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Throws a one-line <see cref="Common.QuantLabException"/> naming <paramref name="what"/> unless the file's sha256 is <paramref name="expected"/>.</summary>
    internal static async Task CheckSha256Async(string path, string expected, string what, CancellationToken ct)
    {
        var actual = await Common.Hashing.Sha256FileAsync(path, ct).ConfigureAwait(false);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new Common.QuantLabException($"{what} is corrupt or not the expected version: its sha256 is {actual} but the caller expected {expected}");
        }
    }
}

/// <summary>A text object and the tag that identifies this version of it.</summary>
public sealed record VersionedText(string Content, string ETag);

/// <summary>Condition for <see cref="IArtifactStore.WriteTextAsync"/>: unconditional, create-only, or replace-only-this-version.</summary>
public sealed record WriteCondition
{
    public static readonly WriteCondition None = new();

    /// <summary>Only create: fail when the object already exists (If-None-Match: *).</summary>
    public static readonly WriteCondition IfAbsent = new() { MustNotExist = true };

    public bool MustNotExist { get; init; }

    /// <summary>Only replace the version with this tag (If-Match).</summary>
    public string? IfMatchETag { get; init; }

    public static WriteCondition IfMatch(string etag) => new() { IfMatchETag = etag };
}

/// <summary>An object the caller needed is not in the store.</summary>
public sealed class ArtifactNotFoundException : Common.QuantLabException
{
    public ArtifactNotFoundException(string message) : base(message) { }
}

/// <summary>
/// The store refused a write for a reason of its own (read-only file system, no permission, disk full, a path whose
/// parent is a file): the message names the path and the cause in one line, so the operator knows what to fix.
/// </summary>
public sealed class StoreWriteException : Common.QuantLabException
{
    public StoreWriteException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A conditional write lost a race: somebody else changed the object first.</summary>
public sealed class ConcurrentWriteException : Common.QuantLabException
{
    public ConcurrentWriteException(string message) : base(message) { }
}
