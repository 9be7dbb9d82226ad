using System.Text.RegularExpressions;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>A bucket and a key prefix parsed from s3://bucket/prefix; store and data keys are relative to it.</summary>
public sealed partial record S3Root
{
    private S3Root(string bucket, string prefix)
    {
        Bucket = bucket;
        Prefix = prefix;
    }

    public string Bucket { get; }

    /// <summary>Empty, or ends with '/'.</summary>
    public string Prefix { get; }

    // S3's bucket naming rules (lower-case letters, digits, dots, hyphens; 3-63 long; starts and ends alphanumeric).
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    public static bool IsS3Uri(string? value) => value is not null && value.TrimStart().StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses s3://bucket[/prefix]; throws <see cref="UsageException"/> naming <paramref name="what"/> (e.g. --store).</summary>
    public static S3Root Parse(string uri, string what)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var value = uri.Trim();
        if (!IsS3Uri(value))
        {
            throw new UsageException($"{what}: expected s3://bucket/prefix, got '{SymbolName.Printable(value)}'");
        }

        var rest = value["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        if (!BucketPattern().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            throw new UsageException($"{what}: '{SymbolName.Printable(bucket)}' is not a valid S3 bucket name (3-63 lower-case letters, digits, '.' or '-')");
        }

        if (prefix.Length > 0 && (prefix.Contains('\\', StringComparison.Ordinal) || prefix.Split('/').Any(p => p is "" or "." or "..")))
        {
            throw new UsageException($"{what}: invalid prefix '{SymbolName.Printable(prefix)}' in {SymbolName.Printable(value)}");
        }

        return new S3Root(bucket, prefix.Length == 0 ? string.Empty : prefix + "/");
    }

    /// <summary>The object key of a relative key.</summary>
    public string KeyOf(string relativeKey) => Prefix + relativeKey;

    /// <summary>The relative key of an object key under the prefix.</summary>
    public string RelativeKeyOf(string objectKey) => objectKey[Prefix.Length..];

    /// <summary>s3://bucket/prefix/key, for messages.</summary>
    public string Describe(string relativeKey) => $"s3://{Bucket}/{Prefix}{relativeKey}";

    public override string ToString() => $"s3://{Bucket}{(Prefix.Length == 0 ? string.Empty : "/" + Prefix.TrimEnd('/'))}";
}
