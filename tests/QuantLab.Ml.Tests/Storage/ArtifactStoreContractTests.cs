using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>The one contract every <see cref="IArtifactStore"/> must pass (folder and S3 run the same tests).</summary>
public abstract class ArtifactStoreContractTests : IDisposable
{
    protected TempDir Temp { get; } = new();

    protected abstract IArtifactStore Store { get; }

    /// <summary>Called first by tests that need conditional writes; a store whose test server lacks them skips there (and says why).</summary>
    protected virtual void RequireConditionalWrites()
    {
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task File_round_trip_keeps_every_byte()
    {
        var source = Temp.Combine("in.bin");
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes, Ct);

        await Store.PutFileAsync("a/b/model.bin", source, Ct);
        var back = Temp.Combine("out.bin");
        await Store.GetFileAsync("a/b/model.bin", back, Ct);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(back, Ct));
        Assert.True(await Store.ExistsAsync("a/b/model.bin", Ct));
    }

    [Fact]
    public async Task Missing_objects_read_as_null_and_fail_to_download()
    {
        Assert.Null(await Store.ReadTextAsync("nope/x.json", Ct));
        Assert.False(await Store.ExistsAsync("nope/x.json", Ct));
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.GetFileAsync("nope/x.bin", Temp.Combine("x"), Ct));
    }

    [Fact]
    public async Task Create_only_write_fails_when_the_object_exists()
    {
        RequireConditionalWrites();
        await Store.WriteTextAsync("p/pointer.json", "{\"v\":1}", WriteCondition.IfAbsent, Ct);
        var ex = await Assert.ThrowsAsync<ConcurrentWriteException>(
            () => Store.WriteTextAsync("p/pointer.json", "{\"v\":2}", WriteCondition.IfAbsent, Ct));
        Assert.Contains("p/pointer.json", ex.Message, StringComparison.Ordinal);
        Assert.Equal("{\"v\":1}", (await Store.ReadTextAsync("p/pointer.json", Ct))!.Content);
    }

    [Fact]
    public async Task Replace_only_this_version_fails_on_a_stale_tag()
    {
        RequireConditionalWrites();
        var first = await Store.WriteTextAsync("p/pointer.json", "one", WriteCondition.IfAbsent, Ct);
        var second = await Store.WriteTextAsync("p/pointer.json", "two", WriteCondition.IfMatch(first), Ct);

        await Assert.ThrowsAsync<ConcurrentWriteException>(() => Store.WriteTextAsync("p/pointer.json", "three", WriteCondition.IfMatch(first), Ct));
        var current = await Store.ReadTextAsync("p/pointer.json", Ct);
        Assert.Equal("two", current!.Content);
        Assert.Equal(second, current.ETag);
    }

    [Fact]
    public async Task Of_concurrent_create_only_writes_exactly_one_wins()
    {
        RequireConditionalWrites();
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Store.WriteTextAsync("race/pointer.json", $"writer {i}", WriteCondition.IfAbsent, Ct);
                return true;
            }
            catch (ConcurrentWriteException)
            {
                return false;
            }
        });

        var results = await Task.WhenAll(attempts);

        Assert.Equal(1, results.Count(won => won));
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_order()
    {
        foreach (var key in new[] { "m/c/x/2026-01-02/b.json", "m/c/x/2026-01-01/a.json", "m/c/y/2026-01-01/a.json", "m/other.json" })
        {
            await Store.WriteTextAsync(key, key, WriteCondition.None, Ct);
        }

        var keys = await Store.ListAsync("m/c/x/", Ct);

        Assert.Equal(["m/c/x/2026-01-01/a.json", "m/c/x/2026-01-02/b.json"], keys);
    }

    [Fact]
    public async Task A_file_put_with_its_known_sha256_is_stored_and_one_with_a_wrong_sha256_is_not()
    {
        var source = Temp.Combine("model.bin");
        var bytes = new byte[200_000];
        new Random(11).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes, Ct);
        var sha = QuantLab.Ml.Common.Hashing.Sha256(bytes);

        await Store.PutFileAsync("k/model.bin", source, sha, Ct);
        var wrong = QuantLab.Ml.Common.Hashing.Sha256("a manifest entry of another file");
        var ex = await Assert.ThrowsAsync<QuantLab.Ml.Common.QuantLabException>(() => Store.PutFileAsync("k/other.bin", source, wrong, Ct));

        var back = Temp.Combine("back.bin");
        await Store.GetFileAsync("k/model.bin", back, sha, Ct);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(back, Ct));
        Assert.Contains("k/other.bin", ex.Message, StringComparison.Ordinal);
        Assert.False(await Store.ExistsAsync("k/other.bin", Ct));
    }

    [Fact]
    public async Task Deleting_a_missing_object_is_not_an_error()
    {
        await Store.DeleteAsync("never/there.json", Ct);
        await Store.WriteTextAsync("k.json", "x", WriteCondition.None, Ct);
        await Store.DeleteAsync("k.json", Ct);
        Assert.False(await Store.ExistsAsync("k.json", Ct));
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

[Trait("Category", "Unit")]
public sealed class FolderArtifactStoreContractTests : ArtifactStoreContractTests
{
    private FolderArtifactStore? store;

    protected override IArtifactStore Store => store ??= new FolderArtifactStore(Temp.Combine("store"));

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a\\b")]
    public async Task Keys_that_could_escape_the_root_are_rejected(string key)
    {
        await Assert.ThrowsAsync<QuantLab.Ml.Common.UsageException>(
            () => Store.WriteTextAsync(key, "x", WriteCondition.None, TestContext.Current.CancellationToken));
    }
}
