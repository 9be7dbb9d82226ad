using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>
/// The registry contract on S3 with the conditional writes real S3 has: the S3 test server (fauxqs) ignores If-None-Match
/// and If-Match on PUT, so a proxy in front of it (<see cref="ConditionalS3Proxy"/>) honours them, and answers 5xx where a
/// test asks. Every contract test (failed writes, races, rollback) runs here on S3 semantics, plus the HTTP-level faults.
/// </summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class S3ConditionalProxyModelRegistryTests(S3Fixture s3) : ModelRegistryContractTests, IAsyncLifetime
{
    private ConditionalS3Proxy proxy = null!;
    private S3ArtifactStore? store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override IArtifactStore Store => store ??= NewStore();

    private S3ArtifactStore NewStore()
    {
        var options = s3.Options with { ServiceUrl = proxy.Url };
        return new S3ArtifactStore(S3ClientFactory.Create(options, s3.Environment), s3.NewLocation(), options);
    }

    public async ValueTask InitializeAsync() => proxy = await ConditionalS3Proxy.StartAsync(s3.Url, Ct);

    public async ValueTask DisposeAsync() => await proxy.DisposeAsync();

    [Fact]
    public async Task The_proxy_refuses_a_create_only_write_over_an_existing_object_as_real_s3_does()
    {
        await Store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.IfAbsent, Ct);

        await Assert.ThrowsAsync<ConcurrentWriteException>(() => Store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.IfAbsent, Ct));
        await Assert.ThrowsAsync<ConcurrentWriteException>(() => Store.WriteTextAsync("models/production/btcusdt/manifest.json", "{}", WriteCondition.IfMatch("\"not-the-etag\""), Ct));
    }

    [Fact]
    public async Task A_5xx_on_the_manifest_put_leaves_production_unchanged_and_the_next_promote_rollback_and_models_behave_as_if_it_never_happened()
    {
        var first = await PutCandidateAsync(Day1, "first");
        await Registry.PromoteAsync(first, null, false, "first", "test", Temp.Combine("w1"), Ct);
        var second = await PutCandidateAsync(Day2, "second");
        var before = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value;
        proxy.FailPuts("/models/production/btcusdt/manifest.json", status: 503);

        var ex = await Assert.ThrowsAnyAsync<QuantLabException>(() => Registry.PromoteAsync(second, before.ETag, false, "second", "test", Temp.Combine("w2"), Ct));
        proxy.ClearFaults();

        Assert.Contains("production is unchanged", ex.Message, StringComparison.Ordinal);
        Assert.Contains(proxy.Puts, p => p.Path.EndsWith("/manifest.json", StringComparison.Ordinal) && p.Status == 503);
        Assert.Equal(before.ETag, (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag);
        Assert.Equal([1], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
        Assert.Equal("first", await ReadProductionModelAsync());

        var promoted = await Registry.PromoteAsync(second, before.ETag, false, "second", "test", Temp.Combine("w3"), Ct);
        Assert.Equal(2, promoted.Sequence);
        Assert.Empty(promoted.Warnings);
        Assert.Equal("second", await ReadProductionModelAsync());
        var rolled = await Registry.RollbackAsync("btcusdt", null, "check", "test", Temp.Combine("w4"), Ct);
        Assert.Equal(Day1, rolled.Version);
        Assert.Equal([1, 2, 3], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
    }

    [Fact]
    public async Task A_5xx_on_the_change_record_put_after_the_manifest_moved_is_a_warning_and_the_next_promote_does_not_wedge()
    {
        var first = await PutCandidateAsync(Day1, "first");
        await Registry.PromoteAsync(first, null, false, "first", "test", Temp.Combine("w1"), Ct);
        var second = await PutCandidateAsync(Day2, "second");
        var before = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value;
        proxy.FailPuts("/models/production/btcusdt/changes/", status: 500);

        var moved = await Registry.PromoteAsync(second, before.ETag, false, "second", "test", Temp.Combine("w2"), Ct);
        proxy.ClearFaults();

        Assert.Contains("production did change", Assert.Single(moved.Warnings), StringComparison.Ordinal);
        Assert.Equal(Day2, (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);

        // The next change (a rollback) is not refused with "changed under you": it completes the record and goes on.
        var rolled = await Registry.RollbackAsync("btcusdt", null, "check", "test", Temp.Combine("w3"), Ct);
        Assert.Equal(Day1, rolled.Version);
        Assert.Equal([1, 2, 3], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
        Assert.Equal("first", await ReadProductionModelAsync());
    }
}
