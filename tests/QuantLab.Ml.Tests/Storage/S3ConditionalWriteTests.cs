using QuantLab.Ml.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>
/// What S3ArtifactStore sends for create-only and replace-this-version writes, and how it reads S3's answers, checked on
/// a loopback HTTP fake: the S3 test server (fauxqs) ignores these headers, real S3 does not.
/// </summary>
[Trait("Category", "Unit")]
public sealed class S3ConditionalWriteTests : IDisposable
{
    private const string Bucket = "models-bucket";
    private readonly WireMockServer server = WireMockServer.Start();
    private readonly S3ArtifactStore store;

    public S3ConditionalWriteTests()
    {
        var client = S3ClientFactory.Create(
            new S3Options { ServiceUrl = server.Url },
            new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIDUNITTEST", ["AWS_SECRET_ACCESS_KEY"] = "unit-secret" });
        store = new S3ArtifactStore(client, S3Root.Parse($"s3://{Bucket}/ml", "test"), new S3Options { ServiceUrl = server.Url });
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string PointerPath = "/" + Bucket + "/ml/models/production/btcusdt/manifest.json";

    private static string ErrorXml(string code) =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>condition not met</Message><RequestId>r1</RequestId></Error>";

    private void RespondToPut(int status, string? errorCode = null)
    {
        var response = Response.Create().WithStatusCode(status);
        response = errorCode is null
            ? response.WithHeader("ETag", "\"0123456789abcdef0123456789abcdef\"")
            : response.WithHeader("Content-Type", "application/xml").WithBody(ErrorXml(errorCode));
        server.Given(Request.Create().WithPath(PointerPath).UsingPut()).RespondWith(response);
    }

    private List<WireMock.Logging.ILogEntry> Puts() =>
        server.LogEntries.Where(e => e.RequestMessage.Method == "PUT" && e.RequestMessage.Path == PointerPath).ToList();

    private static string? Header(WireMock.Logging.ILogEntry entry, string name) =>
        entry.RequestMessage.Headers!.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    [Fact]
    public async Task A_create_only_write_sends_If_None_Match_star_and_returns_the_real_etag()
    {
        RespondToPut(200);

        var etag = await store.WriteTextAsync("models/production/btcusdt/manifest.json", "{\"sequence\":1}", WriteCondition.IfAbsent, Ct);

        var put = Assert.Single(Puts());
        Assert.Equal("*", Header(put, "If-None-Match"));
        Assert.Null(Header(put, "If-Match"));
        Assert.Equal("\"0123456789abcdef0123456789abcdef\"", etag);
    }

    [Fact]
    public async Task A_replace_write_sends_If_Match_with_the_previous_etag()
    {
        RespondToPut(200);

        await store.WriteTextAsync("models/production/btcusdt/manifest.json", "{\"sequence\":2}", WriteCondition.IfMatch("\"prev-etag\""), Ct);

        var put = Assert.Single(Puts());
        Assert.Equal("\"prev-etag\"", Header(put, "If-Match"));
        Assert.Null(Header(put, "If-None-Match"));
    }

    [Fact]
    public async Task An_unconditional_write_sends_no_condition_but_its_sha256_and_content_md5()
    {
        RespondToPut(200);

        await store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.None, Ct);

        var put = Assert.Single(Puts());
        Assert.Null(Header(put, "If-Match"));
        Assert.Null(Header(put, "If-None-Match"));
        Assert.Equal(QuantLab.Ml.Common.Hashing.Sha256("{}"), Header(put, "x-amz-meta-sha256"));
        Assert.Equal("mZFLkyvTelC5g8XnyQrpOw==", Header(put, "Content-MD5"));
    }

    [Theory]
    [InlineData(412, "PreconditionFailed")]
    [InlineData(409, "ConditionalRequestConflict")]
    public async Task A_lost_race_is_a_ConcurrentWriteException_naming_the_object(int status, string code)
    {
        RespondToPut(status, code);

        var created = await Assert.ThrowsAsync<ConcurrentWriteException>(
            () => store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.IfAbsent, Ct));
        var replaced = await Assert.ThrowsAsync<ConcurrentWriteException>(
            () => store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.IfMatch("\"e1\""), Ct));

        Assert.Contains("s3://models-bucket/ml/models/production/btcusdt/manifest.json", created.Message, StringComparison.Ordinal);
        Assert.Contains("already exists", created.Message, StringComparison.Ordinal);
        Assert.Contains("changed under you", replaced.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        server.Stop();
        server.Dispose();
    }
}
