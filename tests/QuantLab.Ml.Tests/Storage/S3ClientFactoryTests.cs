using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>Endpoint, region, path style and credentials resolved the AWS way from configuration and the environment snapshot.</summary>
[Trait("Category", "Unit")]
public sealed class S3ClientFactoryTests
{
    private const string Secret = "wJalrXUtnFEMI-this-must-never-be-printed";

    private static Dictionary<string, string?> Env(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

    [Fact]
    public void Configuration_wins_over_AWS_ENDPOINT_URL_S3_which_wins_over_AWS_ENDPOINT_URL()
    {
        var env = Env(("AWS_ENDPOINT_URL_S3", "http://10.0.0.2:9000"), ("AWS_ENDPOINT_URL", "http://10.0.0.3:9000"));

        Assert.Equal("http://10.0.0.1:9000", S3ClientFactory.Resolve(new S3Options { ServiceUrl = "http://10.0.0.1:9000/" }, env).ServiceUrl);
        Assert.Equal("http://10.0.0.2:9000", S3ClientFactory.Resolve(new S3Options(), env).ServiceUrl);
        Assert.Equal("http://10.0.0.3:9000", S3ClientFactory.Resolve(new S3Options(), Env(("AWS_ENDPOINT_URL", "http://10.0.0.3:9000"))).ServiceUrl);
        Assert.Null(S3ClientFactory.Resolve(new S3Options(), Env()).ServiceUrl);
    }

    [Fact]
    public void Path_style_is_the_default_for_compatible_endpoints_only_and_can_be_turned_off()
    {
        Assert.True(S3ClientFactory.Resolve(new S3Options { ServiceUrl = "http://minio:9000" }, Env()).ForcePathStyle);
        Assert.False(S3ClientFactory.Resolve(new S3Options(), Env()).ForcePathStyle);
        Assert.False(S3ClientFactory.Resolve(new S3Options { ServiceUrl = "http://minio:9000", ForcePathStyle = false }, Env()).ForcePathStyle);

        using var client = S3ClientFactory.Create(new S3Options { ServiceUrl = "http://minio:9000" }, Env());
        Assert.True(client.Config is Amazon.S3.AmazonS3Config { ForcePathStyle: true });
        Assert.Equal("us-east-1", client.Config.AuthenticationRegion);
    }

    [Fact]
    public void Region_comes_from_configuration_then_AWS_REGION_then_AWS_DEFAULT_REGION_then_us_east_1()
    {
        Assert.Equal("eu-west-1", S3ClientFactory.Resolve(new S3Options { Region = "eu-west-1" }, Env(("AWS_REGION", "eu-central-1"))).Region);
        Assert.Equal("eu-central-1", S3ClientFactory.Resolve(new S3Options(), Env(("AWS_REGION", "eu-central-1"), ("AWS_DEFAULT_REGION", "ap-south-1"))).Region);
        Assert.Equal("ap-south-1", S3ClientFactory.Resolve(new S3Options(), Env(("AWS_DEFAULT_REGION", "ap-south-1"))).Region);
        Assert.Equal("us-east-1", S3ClientFactory.Resolve(new S3Options(), Env()).Region);
    }

    [Fact]
    public void Credentials_come_from_the_snapshot_then_a_profile_then_the_sdk_chain_and_are_never_described()
    {
        var fromEnv = S3ClientFactory.Resolve(new S3Options { Profile = "ops" }, Env(("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", Secret)));
        var fromProfile = S3ClientFactory.Resolve(new S3Options(), Env(("AWS_PROFILE", "ops")));
        var fromChain = S3ClientFactory.Resolve(new S3Options(), Env());

        Assert.Equal(CredentialSource.Environment, fromEnv.Credentials);
        Assert.Equal((CredentialSource.Profile, "ops"), (fromProfile.Credentials, fromProfile.Profile));
        Assert.Equal(CredentialSource.DefaultChain, fromChain.Credentials);
        Assert.DoesNotContain(Secret, fromEnv.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain("AKIDEXAMPLE", fromEnv.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, AllJson.Serialize(fromEnv), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    public void Half_a_key_pair_is_a_usage_error_that_names_the_missing_half(string only)
    {
        var ex = Assert.Throws<UsageException>(() => S3ClientFactory.Resolve(new S3Options(), Env((only, "x"))));

        Assert.Contains(only == "AWS_ACCESS_KEY_ID" ? "AWS_SECRET_ACCESS_KEY is not" : "AWS_ACCESS_KEY_ID is not", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("S3:ServiceUrl", "ftp://host", null)]
    [InlineData("AWS_ENDPOINT_URL_S3", null, "not a url")]
    [InlineData("S3:PartSizeMiB", null, null)]
    public void Bad_settings_are_usage_errors_naming_their_source(string key, string? serviceUrl, string? envUrl)
    {
        var options = new S3Options { ServiceUrl = serviceUrl, PartSizeMiB = key == "S3:PartSizeMiB" ? 4 : 8 };
        var env = envUrl is null ? Env() : Env(("AWS_ENDPOINT_URL_S3", envUrl));

        var ex = Assert.Throws<UsageException>(() => S3ClientFactory.Resolve(options, env));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_go_to_AWS_ENDPOINT_URL_S3_of_the_snapshot_signed_with_the_snapshot_key()
    {
        using var server = WireMockServer.Start();
        server.Given(Request.Create().WithPath("/bucket/p/hello.txt").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", "\"5d41402abc4b2a76b9719d911017c592\"").WithBody("hello"));
        var env = Env(("AWS_ENDPOINT_URL_S3", server.Url!), ("AWS_ACCESS_KEY_ID", "AKIDSNAPSHOT"), ("AWS_SECRET_ACCESS_KEY", Secret));
        using var client = S3ClientFactory.Create(new S3Options(), env);
        var store = new S3ArtifactStore(client, S3Root.Parse("s3://bucket/p", "test"), new S3Options());

        var text = await store.ReadTextAsync("hello.txt", TestContext.Current.CancellationToken);

        Assert.Equal("hello", text!.Content);
        var request = Assert.Single(server.LogEntries).RequestMessage;
        var authorization = request.Headers!.First(h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase)).Value.First();
        Assert.Contains("Credential=AKIDSNAPSHOT/", authorization, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presigned_urls_are_short_lived_plain_http_for_an_http_endpoint_and_carry_no_secret()
    {
        using var client = S3ClientFactory.Create(
            new S3Options { ServiceUrl = "http://127.0.0.1:9" }, Env(("AWS_ACCESS_KEY_ID", "AKIDPRESIGN"), ("AWS_SECRET_ACCESS_KEY", Secret)));
        var store = new S3ArtifactStore(client, S3Root.Parse("s3://bucket/ml", "test"), new S3Options());
        var ct = TestContext.Current.CancellationToken;

        var get = await store.PresignGetAsync("jobs/j1/dataset.npz", TimeSpan.FromMinutes(10), ct);
        var put = await store.PresignPutAsync("jobs/j1/model.bin", TimeSpan.FromHours(2), ct);

        Assert.Equal("http://127.0.0.1:9/bucket/ml/jobs/j1/dataset.npz", get.GetLeftPart(UriPartial.Path));
        Assert.Contains("X-Amz-Expires=600", get.Query, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Expires=7200", put.Query, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature=", put.Query, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, get.AbsoluteUri + put.AbsoluteUri, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PresignGetAsync("x", TimeSpan.Zero, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PresignPutAsync("x", TimeSpan.FromHours(25), ct));
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_one_clear_error_naming_the_object_and_the_endpoint()
    {
        using var client = S3ClientFactory.Create(
            new S3Options { ServiceUrl = "http://127.0.0.1:1" }, Env(("AWS_ACCESS_KEY_ID", "AKIDX"), ("AWS_SECRET_ACCESS_KEY", Secret)));
        var store = new S3ArtifactStore(client, S3Root.Parse("s3://bucket/ml", "test"), new S3Options());

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => store.ReadTextAsync("models/production/btcusdt/manifest.json", TestContext.Current.CancellationToken));

        Assert.Contains("s3://bucket/ml/models/production/btcusdt/manifest.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models", "--store", "s3://Bad_Bucket/ml")]
    [InlineData("data", "--data", "s3://x/compact")]
    public async Task A_malformed_s3_root_on_the_command_line_is_exit_2_naming_the_option(string command, string option, string root)
    {
        using var dir = new Support.TempDir();
        string[] args = command == "data"
            ? ["data", "check", "--symbol", "btcusdt", "--date", "2026-01-15", option, root]
            : ["models", "--symbol", "btcusdt", option, root];

        var result = await new Support.CliRunner(dir.Path).RunAsync(args);

        Assert.Equal(QuantLab.Ml.Cli.ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("error: " + option, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://my.bucket-1/compact/", "my.bucket-1", "compact/")]
    [InlineData(" S3://bucket/a/b ", "bucket", "a/b/")]
    public void S3_uris_parse_into_bucket_and_prefix(string uri, string bucket, string prefix)
    {
        var location = S3Root.Parse(uri, "--store");

        Assert.Equal((bucket, prefix), (location.Bucket, location.Prefix));
        Assert.Equal(prefix + "models/x", location.KeyOf("models/x"));
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://B/x")]
    [InlineData("s3://ab/x")]
    [InlineData("s3://bucket/../x")]
    [InlineData("s3://bucket/a//b")]
    [InlineData("/srv/store")]
    public void Bad_s3_uris_are_usage_errors_naming_the_option(string uri)
    {
        var ex = Assert.Throws<UsageException>(() => S3Root.Parse(uri, "--store"));

        Assert.StartsWith("--store", ex.Message, StringComparison.Ordinal);
    }
}
