namespace QuantLab.Ml.Storage;

/// <summary>A key/object store for models, run records and locks (a local folder or an S3 bucket prefix).</summary>
/// <remarks>Keys use '/' separators and are relative to the store root. Layout and semantics live in <see cref="ModelRegistry"/>.</remarks>
public interface IArtifactStore
{
    /// <summary>Human-readable root, e.g. /srv/quantlab or s3://bucket/prefix.</summary>
    string Root { get; }

    /// <summary>Uploads a local file; returns the object's version tag (ETag).</summary>
    Task<string> PutFileAsync(string key, string localPath, CancellationToken ct);

    /// <summary>Downloads an object to a local file; throws <see cref="ArtifactNotFoundException"/> when absent.</summary>
    Task GetFileAsync(string key, string localPath, CancellationToken ct);

    /// <summary>Reads a small text object with its version tag, or null when absent.</summary>
    Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct);

    /// <summary>Writes a small text object under a condition; throws <see cref="ConcurrentWriteException"/> when the condition fails.</summary>
    Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct);

    /// <summary>Keys under a prefix (recursive), sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
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

/// <summary>A conditional write lost a race: somebody else changed the object first.</summary>
public sealed class ConcurrentWriteException : Common.QuantLabException
{
    public ConcurrentWriteException(string message) : base(message) { }
}
