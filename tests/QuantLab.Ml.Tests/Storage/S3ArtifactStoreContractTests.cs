using System.Net;
using System.Text;
using Amazon.S3.Model;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>The artifact store contract against the real S3 server, plus what only S3 has: multipart, sha256 metadata, presigned URLs.</summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class S3ArtifactStoreContractTests(S3Fixture s3) : ArtifactStoreContractTests
{
    private S3ArtifactStore? store;

    protected override IArtifactStore Store => S3Store;

    private S3ArtifactStore S3Store => store ??= new S3ArtifactStore(s3.Client, s3.NewLocation(), s3.Options);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override void RequireConditionalWrites()
    {
        if (!s3.SupportsConditionalWrites)
        {
            Assert.Skip(s3.ConditionalWriteNote);
        }
    }

    private Task<GetObjectMetadataResponse> HeadAsync(string key) =>
        s3.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = S3Store.Location.Bucket, Key = S3Store.Location.KeyOf(key) }, Ct);

    [Fact]
    public async Task A_large_model_goes_up_in_parts_carries_its_sha256_and_comes_back_byte_for_byte()
    {
        var source = Temp.Combine("big.bin");
        var bytes = new byte[12 * 1024 * 1024 + 5];
        new Random(11).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes, Ct);

        var etag = await Store.PutFileAsync("models/big/model.bin", source, Ct);

        var head = await HeadAsync("models/big/model.bin");
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal); // 5 + 5 + 2 MiB parts
        Assert.Equal(etag, head.ETag);
        Assert.Equal(Hashing.Sha256(bytes), head.Metadata["sha256"]);
        var back = Temp.Combine("back.bin");
        await Store.GetFileAsync("models/big/model.bin", back, Ct);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(back, Ct));
    }

    [Fact]
    public async Task Every_object_written_carries_its_sha256_in_metadata()
    {
        var small = Temp.Combine("metrics.json");
        await File.WriteAllTextAsync(small, "{\"sharpe\":1.5}", Ct);

        await Store.PutFileAsync("c/metrics.json", small, Ct);
        await Store.WriteTextAsync("c/_COMPLETE.json", "{\"done\":true}", WriteCondition.None, Ct);

        Assert.Equal(Hashing.Sha256("{\"sharpe\":1.5}"), (await HeadAsync("c/metrics.json")).Metadata["sha256"]);
        Assert.Equal(Hashing.Sha256("{\"done\":true}"), (await HeadAsync("c/_COMPLETE.json")).Metadata["sha256"]);
    }

    [Fact]
    public async Task An_object_whose_bytes_do_not_match_its_sha256_is_refused_and_never_written_locally()
    {
        var location = S3Store.Location;
        foreach (var key in new[] { "bad/model.bin", "bad/pointer.json" })
        {
            var request = new PutObjectRequest { BucketName = location.Bucket, Key = location.KeyOf(key), ContentBody = "tampered" };
            request.Metadata.Add("sha256", Hashing.Sha256("original"));
            await s3.Client.PutObjectAsync(request, Ct);
        }

        var local = Temp.Combine("model.bin");
        var download = await Assert.ThrowsAsync<QuantLabException>(() => Store.GetFileAsync("bad/model.bin", local, Ct));
        var read = await Assert.ThrowsAsync<QuantLabException>(() => Store.ReadTextAsync("bad/pointer.json", Ct));

        Assert.Contains("corrupt", download.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", read.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(local));
        Assert.Empty(Directory.EnumerateFiles(Temp.Path));
    }

    [Fact]
    public async Task A_missing_bucket_is_a_clear_error_naming_it()
    {
        var missing = new S3ArtifactStore(s3.Client, s3.NewLocation(S3Fixture.NewBucketName()), s3.Options);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => missing.ReadTextAsync("models/x.json", Ct));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains(missing.Location.Bucket, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presigned_urls_let_a_machine_without_credentials_upload_and_download_one_object()
    {
        var bytes = Encoding.UTF8.GetBytes("trainer output " + Guid.NewGuid());
        var put = await S3Store.PresignPutAsync("jobs/j1/model.bin", TimeSpan.FromMinutes(5), Ct);
        var get = await S3Store.PresignGetAsync("jobs/j1/model.bin", TimeSpan.FromMinutes(5), Ct);
        using var http = new HttpClient();

        using var upload = await http.PutAsync(put, new ByteArrayContent(bytes), Ct);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(bytes, await http.GetByteArrayAsync(get, Ct));

        foreach (var url in new[] { put, get })
        {
            Assert.Equal("http", url.Scheme);
            Assert.Contains("X-Amz-Expires=300", url.Query, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_presigned_url_stops_working_once_it_expires()
    {
        var file = Temp.Combine("x.bin");
        await File.WriteAllTextAsync(file, "x", Ct);
        await Store.PutFileAsync("exp/x.bin", file, Ct);
        using var http = new HttpClient();
        var valid = await S3Store.PresignGetAsync("exp/x.bin", TimeSpan.FromMinutes(5), Ct);
        var forged = new Uri(valid.AbsoluteUri.Replace("X-Amz-Expires=300", "X-Amz-Expires=301", StringComparison.Ordinal));
        using (var probe = await http.GetAsync(forged, Ct))
        {
            if (probe.IsSuccessStatusCode)
            {
                Assert.Skip($"the S3 test server at {s3.Url} (fauxqs) accepts presigned URLs without checking their signature or expiry, so expiry cannot be observed on it");
            }
        }

        var shortLived = await S3Store.PresignGetAsync("exp/x.bin", TimeSpan.FromSeconds(1), Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), TimeProvider.System, Ct);
        using var expired = await http.GetAsync(shortLived, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }
}
