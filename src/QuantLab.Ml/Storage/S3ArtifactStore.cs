using Amazon.S3;
using Amazon.S3.Model;

namespace QuantLab.Ml.Storage;

/// <summary>
/// An <see cref="IArtifactStore"/> on an S3 bucket prefix: verified (multipart) uploads with the sha256 in metadata,
/// conditional writes (If-None-Match / If-Match on the real ETag) for pointers, presigned URLs for machines without keys.
/// </summary>
public sealed class S3ArtifactStore : IArtifactStore
{
    /// <summary>The longest a presigned URL may live: the longest a training job may run (Runtime:MaxRuntimeMinutes ≤ 24 h).</summary>
    public static readonly TimeSpan MaxPresignLifetime = TimeSpan.FromHours(24);

    private readonly S3Objects objects;
    private readonly S3Root location;
    private readonly TimeProvider time;

    /// <summary>A store whose presigned URLs expire by the system clock.</summary>
    public S3ArtifactStore(IAmazonS3 client, S3Root location, S3Options options)
        : this(client, location, options, TimeProvider.System)
    {
    }

    /// <summary>A store whose presigned URLs expire <c>lifetime</c> after <paramref name="time"/>'s now.</summary>
    public S3ArtifactStore(IAmazonS3 client, S3Root location, S3Options options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(time);
        objects = new S3Objects(client, options);
        this.location = location;
        this.time = time;
    }

    public string Root => location.ToString();

    public S3Root Location => location;

    public Task<string> PutFileAsync(string key, string localPath, CancellationToken ct) =>
        objects.UploadFileAsync(location.Bucket, ObjectKey(key), localPath, knownSha256: null, ct);

    /// <summary>Uploads with <paramref name="sha256"/> in the metadata, after the sha256 pass has confirmed it (a difference is refused before anything is sent).</summary>
    public Task<string> PutFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sha256);
        return objects.UploadFileAsync(location.Bucket, ObjectKey(key), localPath, sha256, ct);
    }

    public Task GetFileAsync(string key, string localPath, CancellationToken ct) => GetAsync(key, localPath, expectedSha256: null, ct);

    /// <summary>Downloads and checks against <paramref name="sha256"/> in the same pass that checks the object's own sha256 metadata.</summary>
    public Task GetFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sha256);
        return GetAsync(key, localPath, sha256, ct);
    }

    private async Task GetAsync(string key, string localPath, string? expectedSha256, CancellationToken ct)
    {
        var found = await objects.DownloadFileAsync(location.Bucket, ObjectKey(key), localPath, expectedSha256, expectedFrom: "the caller's manifest", ct).ConfigureAwait(false);
        if (found is null)
        {
            throw new ArtifactNotFoundException($"{location.Describe(key)} does not exist");
        }
    }

    public async Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct) =>
        await objects.ReadTextAsync(location.Bucket, ObjectKey(key), ct).ConfigureAwait(false) is { } text
            ? new VersionedText(text.Content, text.ETag)
            : null;

    public Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return objects.WriteTextAsync(location.Bucket, ObjectKey(key), content, condition, ct);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct)
    {
        var normalized = FolderArtifactStore.NormalizeKey(prefix, allowEmpty: true);
        var keys = await objects.ListKeysAsync(location.Bucket, location.KeyOf(normalized), ct).ConfigureAwait(false);
        return keys.Select(location.RelativeKeyOf).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct) =>
        await objects.HeadAsync(location.Bucket, ObjectKey(key), ct).ConfigureAwait(false) is not null;

    public Task DeleteAsync(string key, CancellationToken ct) => objects.DeleteAsync(location.Bucket, ObjectKey(key), ct);

    /// <summary>A URL that lets its holder download one object for <paramref name="lifetime"/>, without AWS credentials.</summary>
    public Task<Uri> PresignGetAsync(string key, TimeSpan lifetime, CancellationToken ct) => PresignAsync(key, HttpVerb.GET, lifetime, ct);

    /// <summary>
    /// A URL that lets its holder upload one object (HTTP PUT of the bytes) for <paramref name="lifetime"/>, without AWS credentials.
    /// Such an object carries no sha256 metadata: check it against the sha256 the uploader reports before trusting it.
    /// </summary>
    public Task<Uri> PresignPutAsync(string key, TimeSpan lifetime, CancellationToken ct) => PresignAsync(key, HttpVerb.PUT, lifetime, ct);

    private async Task<Uri> PresignAsync(string key, HttpVerb verb, TimeSpan lifetime, CancellationToken ct)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxPresignLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, $"a presigned URL must live more than 0 and at most {MaxPresignLifetime.TotalHours} hours");
        }

        ct.ThrowIfCancellationRequested();
        var client = objects.Client;
        var request = new GetPreSignedUrlRequest
        {
            BucketName = location.Bucket,
            Key = ObjectKey(key),
            Verb = verb,
            Expires = time.GetUtcNow().UtcDateTime + lifetime,

            // Without this an http:// endpoint gets an https:// URL (aws/aws-sdk-net#1253).
            Protocol = client.Config.ServiceURL is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS,
        };

        // The SDK turns Expires into X-Amz-Expires against its own clock, corrected for the server's skew; when that
        // differs from ours the URL would live longer or shorter than asked, so shift Expires by the difference once.
        var signed = await client.GetPreSignedURLAsync(request).ConfigureAwait(false);
        var drift = (long)lifetime.TotalSeconds - ExpiresSeconds(signed);
        if (drift != 0)
        {
            request.Expires = request.Expires!.Value.AddSeconds(drift);
            signed = await client.GetPreSignedURLAsync(request).ConfigureAwait(false);
        }

        return new Uri(signed);
    }

    private static long ExpiresSeconds(string presigned)
    {
        const string name = "X-Amz-Expires=";
        var at = presigned.IndexOf(name, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new Common.QuantLabException("the S3 SDK made a presigned URL without X-Amz-Expires (not SigV4): refusing to hand it out");
        }

        var start = at + name.Length;
        var end = presigned.IndexOf('&', start);
        return long.Parse(presigned.AsSpan(start, (end < 0 ? presigned.Length : end) - start), System.Globalization.CultureInfo.InvariantCulture);
    }

    private string ObjectKey(string key) => location.KeyOf(FolderArtifactStore.NormalizeKey(key, allowEmpty: false));
}
