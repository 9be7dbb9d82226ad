using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>Candidate, promotion and rollback semantics against the real S3 server, and a writer dying between candidate files.</summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class S3ModelRegistryTests(S3Fixture s3) : ModelRegistryContractTests
{
    private static readonly DateOnly Day = new(2026, 1, 20);

    private S3ArtifactStore? store;

    protected override IArtifactStore Store => store ??= new S3ArtifactStore(s3.Client, s3.NewLocation(), s3.Options);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override void RequireConditionalWrites()
    {
        if (!s3.SupportsConditionalWrites)
        {
            Assert.Skip(s3.ConditionalWriteNote);
        }
    }

    private Dictionary<string, string> CandidateFiles(string model)
    {
        var dir = Temp.Combine("files-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in new[] { ("evaluation.json", "{}"), ("metrics.json", "{\"m\":\"" + model + "\"}"), ("model.bin", model) })
        {
            files[name] = Path.Combine(dir, name);
            File.WriteAllText(files[name], text);
        }

        return files;
    }

    // The writer is killed at a file boundary by a store that stops obeying after N uploads: deterministic, unlike
    // killing a child process at a moment chosen by a timer. The marker is the last write, so it is never reached.
    [Theory]
    [InlineData(0, false)]
    [InlineData(2, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public async Task A_writer_killed_between_candidate_files_leaves_no_complete_looking_candidate(int filesBeforeDeath, bool overwritesACompleteOne)
    {
        if (overwritesACompleteOne)
        {
            await new ModelRegistry(Store, Time).PutCandidateAsync("btcusdt", Day, "job-btcusdt-20260120-000000000001", CandidateFiles("old"), Ct);
        }

        var dying = new DyingStore(Store, filesBeforeDeath);

        await Assert.ThrowsAsync<WriterKilledException>(
            () => new ModelRegistry(dying, Time).PutCandidateAsync("btcusdt", Day, "job-btcusdt-20260120-000000000002", CandidateFiles("new"), Ct));

        var reader = new ModelRegistry(Store, Time);
        Assert.Null(await reader.GetCandidateAsync("btcusdt", Day, Ct));
        Assert.Empty(await reader.ListCandidatesAsync("btcusdt", Ct));
        Assert.Equal(filesBeforeDeath, dying.Uploaded);
        Assert.DoesNotContain(ModelRegistry.CandidatePrefix("btcusdt", Day) + ModelRegistry.CompleteMarker, await Store.ListAsync("models/", Ct));
    }

    /// <summary>Passes calls through until <c>uploadsBeforeDeath</c> files are stored, then behaves like a killed process.</summary>
    private sealed class DyingStore(IArtifactStore inner, int uploadsBeforeDeath) : IArtifactStore
    {
        public int Uploaded { get; private set; }

        public string Root => inner.Root;

        public async Task<string> PutFileAsync(string key, string localPath, CancellationToken ct)
        {
            if (Uploaded == uploadsBeforeDeath)
            {
                throw new WriterKilledException();
            }

            var etag = await inner.PutFileAsync(key, localPath, ct);
            Uploaded++;
            return etag;
        }

        public Task GetFileAsync(string key, string localPath, CancellationToken ct) => inner.GetFileAsync(key, localPath, ct);

        public Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct) => inner.ReadTextAsync(key, ct);

        public Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct) =>
            inner.WriteTextAsync(key, content, condition, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct) => inner.ListAsync(prefix, ct);

        public Task<bool> ExistsAsync(string key, CancellationToken ct) => inner.ExistsAsync(key, ct);

        public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);
    }

    private sealed class WriterKilledException : Exception
    {
        public WriterKilledException() : base("the writer was killed") { }
    }
}
