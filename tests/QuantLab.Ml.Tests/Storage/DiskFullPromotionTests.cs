using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>
/// A promotion into a folder store whose disk is really full (a 1 MiB tmpfs, filled up): the file system's own ENOSPC,
/// not an injected exception. Production stays as it was, the failure says so, and once space is back the next promote
/// and rollback behave as if the failed attempt never happened. Skips where mounting a tmpfs is not permitted.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DiskFullPromotionTests : IAsyncLifetime
{
    private static readonly DateOnly Day1 = new(2026, 1, 14);
    private static readonly DateOnly Day2 = new(2026, 1, 15);
    private readonly TempDir temp = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 16, 0, 15, 0, TimeSpan.Zero));
    private TmpfsMount? disk;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (disk is not null)
        {
            await disk.DisposeAsync();
        }

        temp.Dispose();
    }

    private async Task<CandidateManifest> PutCandidateAsync(ModelRegistry registry, DateOnly date, byte[] model)
    {
        var dir = temp.Combine("cand-" + TradingDate.Compact(date));
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "model.bin"), model, Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), "{\"day\":\"" + TradingDate.Iso(date) + "\"}", Ct);
        var files = new Dictionary<string, string> { ["model.bin"] = Path.Combine(dir, "model.bin"), ["metrics.json"] = Path.Combine(dir, "metrics.json") };
        return await registry.PutCandidateAsync("btcusdt", date, $"job-btcusdt-{TradingDate.Compact(date)}-0123456789ab", files, Ct);
    }

    /// <summary>Writes a filler file until the file system says it is full; returns its path.</summary>
    private static string FillUp(string folder)
    {
        var filler = Path.Combine(folder, "filler.bin");
        var chunk = new byte[16 * 1024];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }

        return filler;
    }

    [Fact]
    public async Task A_promotion_onto_a_full_disk_leaves_production_unchanged_says_so_and_the_next_promote_and_rollback_work()
    {
        (disk, var why) = await TmpfsMount.TryMountAsync(temp.Combine("disk"), "size=1m", Ct);
        if (disk is null)
        {
            Assert.Skip(why!);
        }

        var registry = new ModelRegistry(new FolderArtifactStore(Path.Combine(disk.Path, "store")), time);
        var first = await PutCandidateAsync(registry, Day1, [1, 2, 3]);
        await registry.PromoteAsync(first, null, false, "first", "test", temp.Combine("w1"), Ct);
        var model2 = new byte[200 * 1024];
        Random.Shared.NextBytes(model2);
        var second = await PutCandidateAsync(registry, Day2, model2);
        var before = (await registry.GetProductionAsync("btcusdt", Ct))!.Value;
        var filler = FillUp(disk.Path);

        var ex = await Assert.ThrowsAnyAsync<QuantLabException>(() => registry.PromoteAsync(second, before.ETag, false, "second", "test", temp.Combine("w2"), Ct));

        Assert.Contains("production is unchanged", ex.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);
        var after = (await registry.GetProductionAsync("btcusdt", Ct))!.Value;
        Assert.Equal(Day1, after.Manifest.Version);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal([1], (await registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));

        // Space is back: the next promote and rollback behave as if the failed attempt never happened.
        File.Delete(filler);
        var promoted = await registry.PromoteAsync(second, before.ETag, false, "second", "test", temp.Combine("w3"), Ct);
        Assert.Equal(2, promoted.Sequence);
        Assert.Empty(promoted.Warnings);
        Assert.Equal(Day2, (await registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);
        var rolled = await registry.RollbackAsync("btcusdt", null, "check", "test", temp.Combine("w4"), Ct);
        Assert.Equal(Day1, rolled.Version);
        Assert.Equal([1, 2, 3], (await registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
    }
}
