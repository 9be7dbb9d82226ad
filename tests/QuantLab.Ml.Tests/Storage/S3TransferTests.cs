using Amazon.S3.Model;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>
/// The store's transfers against the real S3 server with the fixture's small parts (multipart from 8 MiB, 5 MiB parts,
/// 4 in flight): hashing while transferring, uploads with a sha256 the caller already knows, and what a wrong byte does.
/// </summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class S3TransferTests(S3Fixture s3) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDir temp = new();
    private S3ArtifactStore? store;

    private S3ArtifactStore Store => store ??= new S3ArtifactStore(s3.Client, s3.NewLocation(), s3.Options);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int> Sizes => new()
    {
        0,                // empty: one PUT, one GET
        (3 * MiB) + 7,    // below the multipart threshold: one PUT, one GET stream
        10 * MiB,         // exactly two parts
        (10 * MiB) + 1,   // two parts and one byte
        (17 * MiB) + 333, // four parts, more than the parts in flight would be with 3
    };

    private async Task<(string Path, byte[] Bytes)> RandomFileAsync(int size, int seed = 5)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = temp.Combine($"src-{size}-{seed}.bin");
        await File.WriteAllBytesAsync(path, bytes, Ct);
        return (path, bytes);
    }

    private Task<GetObjectMetadataResponse> HeadAsync(string key) =>
        s3.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Store.Location.Bucket, Key = Store.Location.KeyOf(key) }, Ct);

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task A_file_of_any_size_comes_back_byte_for_byte_with_its_sha256_in_metadata(int size)
    {
        var (source, bytes) = await RandomFileAsync(size);

        var etag = await Store.PutFileAsync("m/model.bin", source, Ct);
        var back = temp.Combine("back.bin");
        await Store.GetFileAsync("m/model.bin", back, Ct);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(back, Ct));
        var head = await HeadAsync("m/model.bin");
        Assert.Equal(etag, head.ETag);
        Assert.Equal(Hashing.Sha256(bytes), head.Metadata["sha256"]);
        Assert.Equal(size >= s3.Options.MultipartThresholdMiB * MiB, head.ETag.Contains('-', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(4 * MiB)]
    [InlineData((12 * MiB) + 5)]
    public async Task An_upload_with_the_right_known_sha256_is_stored_with_it(int size)
    {
        var (source, bytes) = await RandomFileAsync(size);

        await Store.PutFileAsync("m/model.bin", source, Hashing.Sha256(bytes), Ct);

        Assert.Equal(Hashing.Sha256(bytes), (await HeadAsync("m/model.bin")).Metadata["sha256"]);
        var back = temp.Combine("back.bin");
        await Store.GetFileAsync("m/model.bin", back, Hashing.Sha256(bytes), Ct);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(back, Ct));
    }

    [Theory]
    [InlineData(4 * MiB)]          // one PUT: refused before anything is sent
    [InlineData((12 * MiB) + 5)]   // multipart: the sha256 of the bytes sent differs, the upload is aborted, never completed
    public async Task An_upload_whose_known_sha256_is_wrong_is_refused_and_stores_nothing(int size)
    {
        var (source, _) = await RandomFileAsync(size);
        var wrong = Hashing.Sha256("what the manifest said about another file");

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => Store.PutFileAsync("m/model.bin", source, wrong, Ct));

        Assert.Contains(Store.Location.Describe("m/model.bin"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.False(await Store.ExistsAsync("m/model.bin", Ct));
        var uploads = await s3.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Store.Location.Bucket, Prefix = Store.Location.KeyOf("m/") }, Ct);
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Theory]
    [InlineData((3 * MiB) + 1)]  // one GET stream
    [InlineData((9 * MiB) + 17)] // ranged GETs: two parts; the wrong byte is in the second
    public async Task One_wrong_byte_fails_the_download_with_one_line_naming_the_object_and_leaves_no_file(int size)
    {
        var (_, bytes) = await RandomFileAsync(size);
        var tampered = (byte[])bytes.Clone();
        tampered[size - 2] ^= 0x01;
        var request = new PutObjectRequest
        {
            BucketName = Store.Location.Bucket,
            Key = Store.Location.KeyOf("m/model.bin"),
            InputStream = new MemoryStream(tampered),
        };
        request.Metadata.Add("sha256", Hashing.Sha256(bytes));
        await s3.Client.PutObjectAsync(request, Ct);
        var local = temp.Combine("dl", "model.bin");

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => Store.GetFileAsync("m/model.bin", local, Ct));

        Assert.Contains(Store.Location.Describe("m/model.bin"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Hashing.Sha256(tampered), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("dl")));
    }

    [Fact]
    public async Task A_download_checked_against_a_manifest_sha256_that_differs_fails_and_leaves_no_file()
    {
        var (source, _) = await RandomFileAsync((9 * MiB) + 3);
        await Store.PutFileAsync("m/model.bin", source, Ct);
        var local = temp.Combine("dl", "model.bin");
        var manifest = Hashing.Sha256("a different model");

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => Store.GetFileAsync("m/model.bin", local, manifest, Ct));

        Assert.Contains(Store.Location.Describe("m/model.bin"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(manifest, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("dl")));
    }

    [Fact]
    public async Task A_missing_object_with_a_known_sha256_is_not_found()
    {
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.GetFileAsync("m/none.bin", temp.Combine("x.bin"), Hashing.Sha256("x"), Ct));
    }

    public void Dispose() => temp.Dispose();
}
