using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>The model layout on an <see cref="IArtifactStore"/>: immutable candidates, an atomic production pointer, and promotion history.</summary>
/// <remarks>
/// models/candidates/&lt;symbol&gt;/&lt;yyyy-MM-dd&gt;/{files…, _COMPLETE.json}
/// models/production/&lt;symbol&gt;/{manifest.json, model.bin, metrics.json}
/// models/production/&lt;symbol&gt;/history/&lt;000001&gt;-&lt;yyyy-MM-dd&gt;/{model.bin, metrics.json, manifest.json}
/// </remarks>
public sealed class ModelRegistry(IArtifactStore store, TimeProvider time)
{
    public const string CompleteMarker = "_COMPLETE.json";
    public const string ModelFile = "model.bin";
    public const string MetricsFile = "metrics.json";
    private const string PointerFile = "manifest.json";

    public IArtifactStore Store => store;

    public static string CandidatePrefix(string symbol, DateOnly date) => $"models/candidates/{Market.ParseKey(symbol)}/{TradingDate.Iso(date)}/";

    public static string ProductionPrefix(string symbol) => $"models/production/{Market.ParseKey(symbol)}/";

    /// <summary>The completed candidate of a day, or null when there is none (or it was never completed).</summary>
    public async Task<CandidateManifest?> GetCandidateAsync(string symbol, DateOnly date, CancellationToken ct)
    {
        var marker = await store.ReadTextAsync(CandidatePrefix(symbol, date) + CompleteMarker, ct).ConfigureAwait(false);
        return marker is null ? null : Json.Deserialize<CandidateManifest>(marker.Content, "candidate marker");
    }

    /// <summary>Every completed candidate of a symbol, oldest first.</summary>
    public async Task<IReadOnlyList<CandidateManifest>> ListCandidatesAsync(string symbol, CancellationToken ct)
    {
        var prefix = $"models/candidates/{Market.ParseKey(symbol)}/";
        var candidates = await store.ReadAllAsync<CandidateManifest>(prefix, k => k.EndsWith("/" + CompleteMarker, StringComparison.Ordinal), ct).ConfigureAwait(false);
        return candidates.OrderBy(c => c.Date).ToList();
    }

    /// <summary>
    /// Stores a candidate: removes any old completion marker first, uploads every file, and writes the marker last,
    /// so a crash part-way never leaves a candidate that looks complete.
    /// </summary>
    public async Task<CandidateManifest> PutCandidateAsync(
        string symbol, DateOnly date, string jobId, IReadOnlyDictionary<string, string> files, CancellationToken ct)
    {
        var prefix = CandidatePrefix(symbol, date);
        await store.DeleteAsync(prefix + CompleteMarker, ct).ConfigureAwait(false);
        var stored = new SortedDictionary<string, StoredFile>(StringComparer.Ordinal);
        foreach (var (name, localPath) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            ValidateFileName(name);
            // One hashing pass: the store checks the file against this sha256 while uploading instead of hashing it again.
            var sha = await Hashing.Sha256FileAsync(localPath, ct).ConfigureAwait(false);
            await store.PutFileAsync(prefix + name, localPath, sha, ct).ConfigureAwait(false);
            stored[name] = new StoredFile(sha, new FileInfo(localPath).Length);
        }

        var manifest = new CandidateManifest
        {
            Symbol = Market.ParseKey(symbol),
            Date = date,
            JobId = jobId,
            CreatedAt = time.GetUtcNow(),
            Files = stored,
        };
        await store.WriteTextAsync(prefix + CompleteMarker, Json.Serialize(manifest), WriteCondition.None, ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Downloads one file of a completed candidate and checks its sha256 against the marker.</summary>
    public async Task DownloadCandidateFileAsync(CandidateManifest candidate, string name, string localPath, CancellationToken ct)
    {
        if (!candidate.Files.TryGetValue(name, out var expected))
        {
            throw new ArtifactNotFoundException($"candidate {candidate.Symbol} {TradingDate.Iso(candidate.Date)} has no {name}");
        }

        await store.GetFileAsync(CandidatePrefix(candidate.Symbol, candidate.Date) + name, localPath, expected.Sha256, ct).ConfigureAwait(false);
    }

    /// <summary>The production pointer and its version tag, or null when the symbol has no production model.</summary>
    public async Task<(ProductionManifest Manifest, string ETag)?> GetProductionAsync(string symbol, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(ProductionPrefix(symbol) + PointerFile, ct).ConfigureAwait(false);
        return text is null ? null : (Json.Deserialize<ProductionManifest>(text.Content, "production manifest"), text.ETag);
    }

    /// <summary>Downloads the production model (verified against the pointer) to a local file.</summary>
    public async Task DownloadProductionFileAsync(ProductionManifest production, string name, string localPath, CancellationToken ct)
    {
        var expected = name switch
        {
            ModelFile => production.ModelSha256,
            MetricsFile => production.MetricsSha256,
            _ => throw new ArgumentException($"unknown production file {name}", nameof(name)),
        };
        await store.GetFileAsync(production.HistoryPrefix + name, localPath, expected, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a completed candidate the production model. The pointer is written with a conditional write against
    /// <paramref name="expectedETag"/> (null = there must be no production yet), so of two concurrent promotions one loses
    /// with <see cref="ConcurrentWriteException"/>.
    /// </summary>
    public async Task<ProductionManifest> PromoteAsync(
        CandidateManifest candidate, string? expectedETag, bool forced, string reason, string changedBy, string workDir, CancellationToken ct)
    {
        var current = await GetProductionAsync(candidate.Symbol, ct).ConfigureAwait(false);
        if (current?.ETag != expectedETag)
        {
            throw new ConcurrentWriteException($"production of {candidate.Symbol} changed under you; nothing was changed");
        }

        var sequence = (current?.Manifest.Sequence ?? 0) + 1;
        var historyPrefix = $"{ProductionPrefix(candidate.Symbol)}history/{sequence:D6}-{TradingDate.Iso(candidate.Date)}/";
        Directory.CreateDirectory(workDir);
        foreach (var name in new[] { ModelFile, MetricsFile })
        {
            var local = Path.Combine(workDir, name);
            await DownloadCandidateFileAsync(candidate, name, local, ct).ConfigureAwait(false);
            await store.PutFileAsync(historyPrefix + name, local, candidate.Files[name].Sha256, ct).ConfigureAwait(false);
        }

        var manifest = new ProductionManifest
        {
            Symbol = candidate.Symbol,
            Version = candidate.Date,
            JobId = candidate.JobId,
            ModelSha256 = candidate.Files[ModelFile].Sha256,
            MetricsSha256 = candidate.Files[MetricsFile].Sha256,
            HistoryPrefix = historyPrefix,
            Sequence = sequence,
            ChangedAt = time.GetUtcNow(),
            ChangedBy = changedBy,
            Action = forced ? "forced_promote" : "promote",
            Reason = reason,
        };
        await SwapPointerAsync(manifest, expectedETag, workDir, ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Re-points production to the previous promoted version (or the one of <paramref name="to"/>), recording why.</summary>
    public async Task<ProductionManifest> RollbackAsync(string symbol, DateOnly? to, string reason, string changedBy, string workDir, CancellationToken ct)
    {
        var current = await GetProductionAsync(symbol, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"{Market.ParseKey(symbol)} has no production model to roll back");
        var history = await GetHistoryAsync(symbol, ct).ConfigureAwait(false);
        var target = to is { } date
            ? history.LastOrDefault(h => h.Version == date && h.Action != "rollback")
                ?? throw new QuantLabException($"{symbol} was never promoted from {TradingDate.Iso(date)}")
            : history.LastOrDefault(h => h.Version != current.Manifest.Version && h.Action != "rollback" && h.Sequence < current.Manifest.Sequence)
                ?? throw new QuantLabException($"{symbol} has no earlier promoted version to roll back to");
        var manifest = target with
        {
            Sequence = current.Manifest.Sequence + 1,
            ChangedAt = time.GetUtcNow(),
            ChangedBy = changedBy,
            Action = "rollback",
            Reason = reason,
        };
        await SwapPointerAsync(manifest, current.ETag, workDir, ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Every change of production (promotions and rollbacks), oldest first.</summary>
    public async Task<IReadOnlyList<ProductionManifest>> GetHistoryAsync(string symbol, CancellationToken ct)
    {
        var changes = await store.ReadAllAsync<ProductionManifest>($"{ProductionPrefix(symbol)}changes/", null, ct).ConfigureAwait(false);
        return changes.OrderBy(m => m.Sequence).ToList();
    }

    private async Task SwapPointerAsync(ProductionManifest manifest, string? expectedETag, string workDir, CancellationToken ct)
    {
        var prefix = ProductionPrefix(manifest.Symbol);

        // The change record is create-only and keyed by sequence: a second writer with the same sequence loses here already.
        try
        {
            await store.WriteTextAsync($"{prefix}changes/{manifest.Sequence:D6}.json", Json.Serialize(manifest), WriteCondition.IfAbsent, ct)
                .ConfigureAwait(false);
        }
        catch (ConcurrentWriteException)
        {
            throw new ConcurrentWriteException($"production of {manifest.Symbol} changed under you; nothing was changed (change {manifest.Sequence} was taken)");
        }
        var condition = expectedETag is null ? WriteCondition.IfAbsent : WriteCondition.IfMatch(expectedETag);
        try
        {
            await store.WriteTextAsync(prefix + PointerFile, Json.Serialize(manifest), condition, ct).ConfigureAwait(false);
        }
        catch (ConcurrentWriteException ex)
        {
            // The change did not happen: its record must not stay in the history.
            await store.DeleteAsync($"{prefix}changes/{manifest.Sequence:D6}.json", CancellationToken.None).ConfigureAwait(false);
            throw new ConcurrentWriteException($"production of {manifest.Symbol} changed under you; nothing was changed ({ex.Message})");
        }

        // Plain copies for readers that load model.bin/metrics.json directly; verified against the pointer.
        foreach (var name in new[] { ModelFile, MetricsFile })
        {
            var local = Path.Combine(workDir, "production-" + name);
            var sha = name == ModelFile ? manifest.ModelSha256 : manifest.MetricsSha256;
            await store.GetFileAsync(manifest.HistoryPrefix + name, local, sha, ct).ConfigureAwait(false);
            await store.PutFileAsync(prefix + name, local, sha, ct).ConfigureAwait(false);
        }
    }

    private static void ValidateFileName(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.') || name == CompleteMarker)
        {
            throw new ArgumentException($"invalid candidate file name '{name}'", nameof(name));
        }
    }
}
