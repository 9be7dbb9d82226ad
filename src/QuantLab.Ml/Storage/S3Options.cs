using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>How to reach S3 or an S3-compatible store (section "S3"); credentials come the AWS way, never from here.</summary>
public sealed record S3Options
{
    private const int MiB = 1024 * 1024;

    /// <summary>Endpoint of an S3-compatible store (e.g. http://minio:9000); null = AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Path-style URLs (http://host/bucket/key); null = true when an endpoint is set, else virtual-host style as AWS prefers.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Region; null = AWS_REGION, AWS_DEFAULT_REGION, else us-east-1.</summary>
    public string? Region { get; set; }

    /// <summary>Named profile of ~/.aws/credentials; null = AWS_PROFILE, else the SDK's default chain.</summary>
    public string? Profile { get; set; }

    /// <summary>Files at least this large go up as multipart uploads and come down as parallel ranged GETs.</summary>
    public int MultipartThresholdMiB { get; set; } = 16;

    /// <summary>Part size of multipart uploads and ranged downloads (S3 needs at least 5 MiB).</summary>
    public int PartSizeMiB { get; set; } = 8;

    /// <summary>Parts in flight at once per transfer (downloads: at most one per core, see S3Objects.RangedDownloadAsync).</summary>
    public int ConcurrentRequests { get; set; } = 8;

    internal long MultipartThresholdBytes => (long)MultipartThresholdMiB * MiB;

    internal long PartSizeBytes => (long)PartSizeMiB * MiB;

    public const string Section = "S3";

    /// <summary>Throws <see cref="UsageException"/> naming the bad key.</summary>
    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "S3"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.That(ServiceUrl is null || (Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0),
            nameof(ServiceUrl), ServiceUrl, "unset or an http(s) URL like http://127.0.0.1:9000");
        r.That(Region is null || (Region.Length is > 0 and <= 40 && Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')),
            nameof(Region), Region, "unset or a region like us-east-1");
        r.Whole(nameof(PartSizeMiB), PartSizeMiB, 5, 5120, "MiB (S3's part limits)");
        r.Whole(nameof(MultipartThresholdMiB), MultipartThresholdMiB, 5, 5120, "MiB");
        r.Whole(nameof(ConcurrentRequests), ConcurrentRequests, 1, 64);
    }
}
