using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Tests.Support;

/// <summary>
/// The loopback S3 server started by scripts/test.sh (QUANTLAB_TEST_S3_URL): a client configured as for any
/// S3-compatible endpoint, one bucket per test run, and whether the server honours conditional PUTs.
/// </summary>
public sealed class S3Fixture : IAsyncLifetime
{
    public S3Fixture()
    {
        Url = TestEnvironment.Require("QUANTLAB_TEST_S3_URL");
        var host = new Uri(Url).Host;
        if (host is not ("127.0.0.1" or "localhost" or "[::1]"))
        {
            throw new InvalidOperationException($"QUANTLAB_TEST_S3_URL must be a loopback address, got {Url}: tests never talk to other hosts");
        }

        Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = System.Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "test",
            ["AWS_SECRET_ACCESS_KEY"] = System.Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "test",
            ["AWS_REGION"] = System.Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
        };

        // Small thresholds so that a few MiB already exercise multipart uploads and ranged downloads.
        Options = new S3Options { ServiceUrl = Url, MultipartThresholdMiB = 8, PartSizeMiB = 5, ConcurrentRequests = 4 };
        Client = S3ClientFactory.Create(Options, Environment);
        Bucket = NewBucketName();
    }

    public string Url { get; }

    /// <summary>The environment snapshot the CLI and the client factory get: credentials for the test server only.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    public S3Options Options { get; }

    public AmazonS3Client Client { get; }

    /// <summary>A bucket for this test run; tests use their own prefixes in it.</summary>
    public string Bucket { get; }

    public bool SupportsConditionalWrites { get; private set; }

    /// <summary>Why conditional-write tests are skipped on this server (empty when they run).</summary>
    public string ConditionalWriteNote { get; private set; } = string.Empty;

    public static string NewBucketName() => "ql-test-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A fresh location s3://bucket/&lt;unique&gt; so tests never see each other's objects.</summary>
    public S3Root NewLocation(string? bucket = null) => S3Root.Parse($"s3://{bucket ?? Bucket}/t-{Guid.NewGuid():N}", "test");

    public async Task CreateBucketAsync(string bucket, CancellationToken ct) =>
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, ct);

    /// <summary>Uploads a local folder tree as-is (like the compaction job would: no sha256 metadata).</summary>
    public async Task UploadTreeAsync(string folder, string bucket, string prefix, CancellationToken ct)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var key = prefix.TrimEnd('/') + "/" + Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key.TrimStart('/'), FilePath = file }, ct);
        }
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateBucketAsync(Bucket, ct);

        // Probe once: a create-only PUT on an existing key must be refused by a server that implements conditional writes.
        const string probe = "_probe/conditional-put";
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = probe, ContentBody = "first" }, ct);
        try
        {
            await Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = probe, ContentBody = "second", IfNoneMatch = "*" }, ct);
            SupportsConditionalWrites = false;
            ConditionalWriteNote = $"the S3 test server at {Url} (fauxqs) does not implement conditional PUT: a PUT with If-None-Match: * on an existing key succeeded, "
                + "so this race cannot be tested against it (the folder store runs this test, and S3ConditionalWriteTests checks the headers and the 412/409 mapping)";
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            SupportsConditionalWrites = true;
        }
    }

    public ValueTask DisposeAsync()
    {
        // The server keeps everything in memory and is stopped by scripts/test.sh; nothing to clean up remotely.
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Tests that need the S3 server share one fixture (and run one after another: the machine has two cores).</summary>
[CollectionDefinition("s3")]
public sealed class S3FixtureDefinition : ICollectionFixture<S3Fixture>;
