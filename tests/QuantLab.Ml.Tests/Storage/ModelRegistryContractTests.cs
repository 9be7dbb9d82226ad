using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>Candidate, promotion and rollback semantics, run against every store.</summary>
public abstract class ModelRegistryContractTests : IDisposable
{
    protected static readonly DateOnly Day1 = new(2026, 1, 14);
    protected static readonly DateOnly Day2 = new(2026, 1, 15);

    protected TempDir Temp { get; } = new();

    protected abstract IArtifactStore Store { get; }

    /// <summary>Called first by tests that need conditional writes; a store whose test server lacks them skips there (and says why).</summary>
    protected virtual void RequireConditionalWrites()
    {
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 16, 0, 15, 0, TimeSpan.Zero));

    protected ModelRegistry Registry => new(Store, Time);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected async Task<CandidateManifest> PutCandidateAsync(DateOnly date, string modelText)
    {
        var dir = Temp.Combine("cand-" + TradingDate.Compact(date) + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "model.bin"), modelText, Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), $"{{\"model\":\"{modelText}\"}}", Ct);
        var files = new Dictionary<string, string>
        {
            ["model.bin"] = Path.Combine(dir, "model.bin"),
            ["metrics.json"] = Path.Combine(dir, "metrics.json"),
        };
        return await Registry.PutCandidateAsync("btcusdt", date, $"job-btcusdt-{TradingDate.Compact(date)}-0123456789ab", files, Ct);
    }

    protected async Task<string> ReadProductionModelAsync()
    {
        var local = Temp.Combine("prod-" + Guid.NewGuid().ToString("N")[..6]);
        await Store.GetFileAsync("models/production/btcusdt/model.bin", local, Ct);
        return await File.ReadAllTextAsync(local, Ct);
    }

    /// <summary>Each write of a promotion failing in turn (an IOException such as a full disk, an S3 5xx after its retries).</summary>
    [Theory]
    [InlineData("history/", false)]
    [InlineData("manifest.json", false)]
    [InlineData("changes/", true)]
    [InlineData("production/btcusdt/model.bin", true)]
    public async Task A_promotion_whose_write_fails_never_wedges_the_store(string failingKey, bool changesProduction)
    {
        RequireConditionalWrites();
        var first = await PutCandidateAsync(Day1, "first");
        await Registry.PromoteAsync(first, null, false, "first", "test", Temp.Combine("w1"), Ct);
        var second = await PutCandidateAsync(Day2, "second");
        var etag = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag;
        var faulty = new ModelRegistry(new FailingStore(Store, failingKey), Time);

        if (changesProduction)
        {
            // The pointer moved: the change stands (exit 0), and what did not follow is a warning.
            var manifest = await faulty.PromoteAsync(second, etag, false, "second", "test", Temp.Combine("w2"), Ct);
            Assert.NotEmpty(manifest.Warnings);
            Assert.Contains("production did change", manifest.Warnings[0], StringComparison.Ordinal);
            Assert.Equal(Day2, (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);
            Assert.Equal([1, 2], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
        }
        else
        {
            var ex = await Assert.ThrowsAnyAsync<QuantLabException>(() => faulty.PromoteAsync(second, etag, false, "second", "test", Temp.Combine("w2"), Ct));
            Assert.Contains("production is unchanged", ex.Message, StringComparison.Ordinal);
            Assert.Equal(Day1, (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);
            Assert.Equal([1], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));

            // The next promote behaves as if the failed attempt never happened.
            await Registry.PromoteAsync(second, etag, false, "second", "test", Temp.Combine("w3"), Ct);
            Assert.Equal(Day2, (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);
        }

        // Whatever failed, a rollback works and the history is whole again.
        var rolled = await Registry.RollbackAsync("btcusdt", null, "check", "test", Temp.Combine("w4"), Ct);
        Assert.Equal(Day1, rolled.Version);
        Assert.Empty(rolled.Warnings);
        Assert.Equal([1, 2, 3], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));
        Assert.Equal("first", await ReadProductionModelAsync());
    }

    [Fact]
    public async Task A_change_record_left_by_a_promotion_killed_before_its_pointer_is_ignored_and_replaced()
    {
        RequireConditionalWrites();
        var first = await PutCandidateAsync(Day1, "first");
        await Registry.PromoteAsync(first, null, false, "first", "test", Temp.Combine("w1"), Ct);
        var current = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value;

        // What an older version left when it was killed between its change record and its pointer.
        await Store.WriteTextAsync(
            "models/production/btcusdt/changes/000002.json",
            AllJson.Serialize(current.Manifest with { Sequence = 2, Reason = "never happened" }),
            WriteCondition.IfAbsent,
            Ct);
        Assert.Equal([1], (await Registry.GetHistoryAsync("btcusdt", Ct)).Select(h => h.Sequence));

        var second = await PutCandidateAsync(Day2, "second");
        var promoted = await Registry.PromoteAsync(second, current.ETag, false, "second", "test", Temp.Combine("w2"), Ct);

        Assert.Equal(2, promoted.Sequence);
        var history = await Registry.GetHistoryAsync("btcusdt", Ct);
        Assert.Equal(["first", "second"], history.Select(h => h.Reason));
        Assert.Equal("second", await ReadProductionModelAsync());
    }

    /// <summary>A store whose first write to a key containing <paramref name="failing"/> throws, as a full disk or a 5xx does.</summary>
    private sealed class FailingStore(IArtifactStore inner, string failing) : IArtifactStore
    {
        private int failed;

        public string Root => inner.Root;

        private void MaybeFail(string key)
        {
            if (key.Contains(failing, StringComparison.Ordinal) && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new IOException($"No space left on device: {key}");
            }
        }

        public Task<string> PutFileAsync(string key, string localPath, CancellationToken ct)
        {
            MaybeFail(key);
            return inner.PutFileAsync(key, localPath, ct);
        }

        public Task<string> PutFileAsync(string key, string localPath, string sha256, CancellationToken ct)
        {
            MaybeFail(key);
            return inner.PutFileAsync(key, localPath, sha256, ct);
        }

        public Task GetFileAsync(string key, string localPath, CancellationToken ct) => inner.GetFileAsync(key, localPath, ct);

        public Task GetFileAsync(string key, string localPath, string sha256, CancellationToken ct) => inner.GetFileAsync(key, localPath, sha256, ct);

        public Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct) => inner.ReadTextAsync(key, ct);

        public Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct)
        {
            MaybeFail(key);
            return inner.WriteTextAsync(key, content, condition, ct);
        }

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct) => inner.ListAsync(prefix, ct);

        public Task<bool> ExistsAsync(string key, CancellationToken ct) => inner.ExistsAsync(key, ct);

        public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);
    }

    [Fact]
    public async Task A_candidate_without_its_completion_marker_is_not_a_candidate()
    {
        var file = Temp.Combine("model.bin");
        await File.WriteAllTextAsync(file, "half written", Ct);
        await Store.PutFileAsync(ModelRegistry.CandidatePrefix("btcusdt", Day1) + "model.bin", file, Ct);

        Assert.Null(await Registry.GetCandidateAsync("btcusdt", Day1, Ct));
        Assert.Empty(await Registry.ListCandidatesAsync("btcusdt", Ct));
    }

    [Fact]
    public async Task A_rewrite_that_crashes_part_way_leaves_no_complete_looking_candidate()
    {
        await PutCandidateAsync(Day1, "first");
        var files = new Dictionary<string, string>
        {
            ["a_model.bin"] = Temp.Combine("does-not-exist.bin"),
        };

        await Assert.ThrowsAnyAsync<IOException>(() => Registry.PutCandidateAsync("btcusdt", Day1, "job-btcusdt-20260114-ffffffffffff", files, Ct));

        Assert.Null(await Registry.GetCandidateAsync("btcusdt", Day1, Ct));
    }

    [Fact]
    public async Task The_completion_marker_records_every_file_with_its_sha256()
    {
        var candidate = await PutCandidateAsync(Day1, "model-one");

        var loaded = await Registry.GetCandidateAsync("btcusdt", Day1, Ct);

        Assert.NotNull(loaded);
        Assert.Equal(candidate.JobId, loaded.JobId);
        Assert.Equal(Hashing.Sha256("model-one"), loaded.Files["model.bin"].Sha256);
        Assert.Equal(["metrics.json", "model.bin"], loaded.Files.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Promoting_the_first_model_writes_pointer_copies_and_history()
    {
        var candidate = await PutCandidateAsync(Day1, "model-one");

        var manifest = await Registry.PromoteAsync(candidate, expectedETag: null, forced: false, "passed", "tester", Temp.Combine("w"), Ct);

        var production = await Registry.GetProductionAsync("btcusdt", Ct);
        Assert.Equal(candidate.JobId, production!.Value.Manifest.JobId);
        Assert.Equal(Hashing.Sha256("model-one"), production.Value.Manifest.ModelSha256);
        Assert.Equal("model-one", await ReadProductionModelAsync());
        var history = await Registry.GetHistoryAsync("btcusdt", Ct);
        Assert.Equal(manifest.Sequence, Assert.Single(history).Sequence);
    }

    [Fact]
    public async Task A_promotion_against_a_stale_production_version_loses_and_changes_nothing()
    {
        var first = await PutCandidateAsync(Day1, "model-one");
        await Registry.PromoteAsync(first, null, false, "passed", "tester", Temp.Combine("w1"), Ct);
        var seen = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag;
        var second = await PutCandidateAsync(Day2, "model-two");
        await Registry.PromoteAsync(second, seen, false, "passed", "tester", Temp.Combine("w2"), Ct);

        var third = await PutCandidateAsync(new DateOnly(2026, 1, 16), "model-three");
        var ex = await Assert.ThrowsAsync<ConcurrentWriteException>(
            () => Registry.PromoteAsync(third, seen, false, "passed", "tester", Temp.Combine("w3"), Ct));

        Assert.Contains("changed under you", ex.Message, StringComparison.Ordinal);
        Assert.Equal("model-two", await ReadProductionModelAsync());
    }

    [Fact]
    public async Task Concurrent_promotions_from_the_same_version_have_exactly_one_winner()
    {
        RequireConditionalWrites();
        var first = await PutCandidateAsync(Day1, "model-one");
        await Registry.PromoteAsync(first, null, false, "passed", "tester", Temp.Combine("w0"), Ct);
        var seen = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag;
        var a = await PutCandidateAsync(Day2, "model-a");
        var b = await PutCandidateAsync(new DateOnly(2026, 1, 16), "model-b");

        var outcomes = await Task.WhenAll(
            Try(() => Registry.PromoteAsync(a, seen, false, "a", "tester", Temp.Combine("wa"), Ct)),
            Try(() => Registry.PromoteAsync(b, seen, false, "b", "tester", Temp.Combine("wb"), Ct)));

        Assert.Equal(1, outcomes.Count(won => won));
        var winner = outcomes[0] ? "model-a" : "model-b";
        Assert.Equal(winner, await ReadProductionModelAsync());

        static async Task<bool> Try(Func<Task> promote)
        {
            try
            {
                await promote();
                return true;
            }
            catch (ConcurrentWriteException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task Rollback_restores_the_previous_bytes_exactly_and_records_why()
    {
        var first = await PutCandidateAsync(Day1, "model-one");
        await Registry.PromoteAsync(first, null, false, "passed", "tester", Temp.Combine("w1"), Ct);
        var etag = (await Registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag;
        var second = await PutCandidateAsync(Day2, "model-two");
        await Registry.PromoteAsync(second, etag, false, "passed", "tester", Temp.Combine("w2"), Ct);

        var rolled = await Registry.RollbackAsync("btcusdt", null, "bad fills overnight", "operator", Temp.Combine("w3"), Ct);

        Assert.Equal(Day1, rolled.Version);
        Assert.Equal("model-one", await ReadProductionModelAsync());
        var history = await Registry.GetHistoryAsync("btcusdt", Ct);
        Assert.Equal(["promote", "promote", "rollback"], history.Select(h => h.Action));
        Assert.Equal("bad fills overnight", history[^1].Reason);
    }

    [Fact]
    public async Task Rollback_without_an_earlier_version_says_so()
    {
        var first = await PutCandidateAsync(Day1, "model-one");
        await Registry.PromoteAsync(first, null, false, "passed", "tester", Temp.Combine("w1"), Ct);

        var ex = await Assert.ThrowsAsync<QuantLabException>(() => Registry.RollbackAsync("btcusdt", null, "why", "op", Temp.Combine("w2"), Ct));

        Assert.Contains("no earlier promoted version", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

[Trait("Category", "Unit")]
public sealed class FolderModelRegistryTests : ModelRegistryContractTests
{
    private FolderArtifactStore? store;

    protected override IArtifactStore Store => store ??= new FolderArtifactStore(Temp.Combine("store"));
}
