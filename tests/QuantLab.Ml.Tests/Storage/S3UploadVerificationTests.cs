using QuantLab.Ml.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>Upload verification when the store's ETag is not an MD5 of the bytes (SSE-KMS): the object is read back and hashed.</summary>
[Trait("Category", "Unit")]
public sealed class S3UploadVerificationTests : IDisposable
{
    private const string ObjectPath = "/bucket/ml/models/candidates/btcusdt/2026-01-14/model.bin";
    private const string KmsETag = "\"00000000000000000000000000000001\"";
    private readonly WireMockServer server = WireMockServer.Start();
    private readonly Support.TempDir temp = new();
    private readonly S3ArtifactStore store;

    public S3UploadVerificationTests()
    {
        var options = new S3Options { ServiceUrl = server.Url };
        var client = S3ClientFactory.Create(options, new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIDUNIT", ["AWS_SECRET_ACCESS_KEY"] = "s" });
        store = new S3ArtifactStore(client, S3Root.Parse("s3://bucket/ml", "test"), options);
    }

    private void Serve(string uploaded, string storedBytes)
    {
        var sha = QuantLab.Ml.Common.Hashing.Sha256(uploaded);
        server.Given(Request.Create().WithPath(ObjectPath).UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", KmsETag));
        server.Given(Request.Create().WithPath(ObjectPath).UsingHead()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("ETag", KmsETag).WithHeader("Content-Length", uploaded.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithHeader("x-amz-meta-sha256", sha).WithHeader("x-amz-server-side-encryption", "aws:kms"));
        server.Given(Request.Create().WithPath(ObjectPath).UsingGet()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("ETag", KmsETag).WithHeader("x-amz-meta-sha256", sha).WithHeader("x-amz-server-side-encryption", "aws:kms").WithBody(storedBytes));
    }

    private async Task<string> PutAsync(string content)
    {
        var file = temp.Combine("model.bin");
        await File.WriteAllTextAsync(file, content, TestContext.Current.CancellationToken);
        return await store.PutFileAsync("models/candidates/btcusdt/2026-01-14/model.bin", file, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task An_upload_whose_etag_is_not_an_md5_is_read_back_and_accepted_when_the_bytes_match()
    {
        Serve("model-bytes", "model-bytes");

        var etag = await PutAsync("model-bytes");

        Assert.Equal(KmsETag, etag);
        Assert.Contains(server.LogEntries, e => e.RequestMessage.Method == "GET");
    }

    [Fact]
    public async Task An_upload_whose_read_back_bytes_differ_is_a_loud_failure()
    {
        Serve("model-bytes", "model-bytez");

        var ex = await Assert.ThrowsAsync<QuantLab.Ml.Common.QuantLabException>(() => PutAsync("model-bytes"));

        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        server.Stop();
        server.Dispose();
        temp.Dispose();
    }
}
