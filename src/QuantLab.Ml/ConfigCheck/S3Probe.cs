using Amazon.S3;
using Amazon.S3.Model;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>For s3:// data and store roots: can we reach the bucket (list) and does the data root have its state file (head)?</summary>
public sealed class S3Probe : IConfigProbe
{
    public async Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = context.Options;
        var roots = new List<(string Name, string Root)>();
        if (S3Root.IsS3Uri(o.DataRoot))
        {
            roots.Add(("data root (s3)", o.DataRoot));
        }

        if (S3Root.IsS3Uri(o.StoreRoot))
        {
            roots.Add(("store root (s3)", o.StoreRoot));
        }

        if (roots.Count == 0)
        {
            return [];
        }

        using var s3 = S3ClientFactory.Create(o.S3, context.Environment);
        var results = new List<CheckResult>();
        foreach (var (name, uri) in roots)
        {
            var root = S3Root.Parse(uri, name);
            try
            {
                var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = root.Bucket, Prefix = root.Prefix, MaxKeys = 1 }, ct).ConfigureAwait(false);
                if (name.StartsWith("data", StringComparison.Ordinal))
                {
                    var stateKey = (root.Prefix.Length == 0 ? string.Empty : root.Prefix.TrimEnd('/') + "/") + "compacted/_state.json";
                    var state = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = root.Bucket, Prefix = stateKey, MaxKeys = 1 }, ct).ConfigureAwait(false);
                    results.Add((state.KeyCount ?? 0) > 0
                        ? CheckResult.Ok(name, $"{uri} reachable; compacted/_state.json present")
                        : CheckResult.Warn(name, $"{uri} reachable but has no compacted/_state.json yet: every night will be 'not ready'"));
                }
                else
                {
                    results.Add(CheckResult.Ok(name, $"{uri} reachable ({((listed.KeyCount ?? 0) > 0 ? "not empty" : "empty")})"));
                }
            }
            catch (Exception ex) when (ex is AmazonS3Exception or HttpRequestException or Amazon.Runtime.AmazonClientException)
            {
                results.Add(CheckResult.Fail(name, $"{uri}: {ex.Message}"));
            }
        }

        return results;
    }
}
