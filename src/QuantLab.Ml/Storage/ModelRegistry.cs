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
        return marker is null ? null : Json.Deserialize(marker.Content, StorageJson.Indented.CandidateManifest, "candidate marker");
    }

    /// <summary>Every completed candidate of a symbol, oldest first.</summary>
    public async Task<IReadOnlyList<CandidateManifest>> ListCandidatesAsync(string symbol, CancellationToken ct)
    {
        var prefix = $"models/candidates/{Market.ParseKey(symbol)}/";
        var candidates = await store.ReadAllAsync(prefix, StorageJson.Indented.CandidateManifest, k => k.EndsWith("/" + CompleteMarker, StringComparison.Ordinal), ct).ConfigureAwait(false);
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
        await store.WriteTextAsync(prefix + CompleteMarker, Json.Serialize(manifest, StorageJson.Indented.CandidateManifest), WriteCondition.None, ct).ConfigureAwait(false);
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
        return text is null ? null : (Json.Deserialize(text.Content, StorageJson.Indented.ProductionManifest, "production manifest"), text.ETag);
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

        if (current is { Manifest: var before })
        {
            await RepairHistoryAsync(before, ct).ConfigureAwait(false);
        }

        var sequence = (current?.Manifest.Sequence ?? 0) + 1;
        var historyPrefix = $"{ProductionPrefix(candidate.Symbol)}history/{sequence:D6}-{TradingDate.Iso(candidate.Date)}/";
        Directory.CreateDirectory(workDir);
        try
        {
            // Immutable copies under a fresh prefix: a failure here leaves only unreferenced files behind.
            foreach (var name in new[] { ModelFile, MetricsFile })
            {
                var local = Path.Combine(workDir, name);
                await DownloadCandidateFileAsync(candidate, name, local, ct).ConfigureAwait(false);
                await store.PutFileAsync(historyPrefix + name, local, candidate.Files[name].Sha256, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            throw Unchanged(candidate.Symbol, ex);
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
        return await SwapPointerAsync(manifest, expectedETag, workDir, ct).ConfigureAwait(false);
    }

    /// <summary>Re-points production to the previous promoted version (or the one of <paramref name="to"/>), recording why.</summary>
    public async Task<ProductionManifest> RollbackAsync(string symbol, DateOnly? to, string reason, string changedBy, string workDir, CancellationToken ct)
    {
        var current = await GetProductionAsync(symbol, ct).ConfigureAwait(false)
            ?? throw new QuantLabException($"{Market.ParseKey(symbol)} has no production model to roll back");
        await RepairHistoryAsync(current.Manifest, ct).ConfigureAwait(false);
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
        return await SwapPointerAsync(manifest, current.ETag, workDir, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Every change of production (promotions and rollbacks), oldest first. The pointer is the truth: a change record
    /// beyond its sequence is a promotion that never happened (a failure or kill before the pointer moved, left by older
    /// versions) and is not listed; the pointer's own change is listed even when its record could not be written.
    /// </summary>
    public async Task<IReadOnlyList<ProductionManifest>> GetHistoryAsync(string symbol, CancellationToken ct)
    {
        var pointer = await GetProductionAsync(symbol, ct).ConfigureAwait(false);
        if (pointer is not { Manifest: var current })
        {
            return [];
        }

        var changes = await store.ReadAllAsync($"{ProductionPrefix(symbol)}changes/", StorageJson.Indented.ProductionManifest, null, ct).ConfigureAwait(false);
        return changes
            .Where(m => m.Sequence < current.Sequence)
            .DistinctBy(m => m.Sequence)
            .Append(current)
            .OrderBy(m => m.Sequence)
            .ToList();
    }

    /// <summary>
    /// Moves production to <paramref name="manifest"/>. The pointer is written first, conditionally: it is the commit
    /// point, so a failure before or in it leaves production (and the history) as it was, and nothing is left behind that
    /// could block the next promotion. The change record and the plain copies follow; their failure does not undo a change
    /// that happened: it is returned in <see cref="ProductionManifest.Warnings"/> and the next change repairs the record.
    /// </summary>
    private async Task<ProductionManifest> SwapPointerAsync(ProductionManifest manifest, string? expectedETag, string workDir, CancellationToken ct)
    {
        var prefix = ProductionPrefix(manifest.Symbol);
        var condition = expectedETag is null ? WriteCondition.IfAbsent : WriteCondition.IfMatch(expectedETag);
        try
        {
            await store.WriteTextAsync(prefix + PointerFile, Json.Serialize(manifest, StorageJson.Indented.ProductionManifest), condition, ct).ConfigureAwait(false);
        }
        catch (ConcurrentWriteException ex)
        {
            throw new ConcurrentWriteException($"production of {manifest.Symbol} changed under you; production is unchanged by this attempt ({ex.Message})");
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            // An answer lost after the write landed (an S3 5xx, a timeout) is a change that happened: read it back.
            if (!await PointerIsAsync(manifest, CancellationToken.None).ConfigureAwait(false))
            {
                throw Unchanged(manifest.Symbol, ex);
            }
        }

        var warnings = new List<string>();
        try
        {
            await WriteChangeRecordAsync(manifest, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            warnings.Add($"production did change, but its history record {manifest.Sequence:D6} was not written ({ex.Message}); the next promote or rollback writes it");
        }

        // Plain copies for readers that load model.bin/metrics.json directly; verified against the pointer.
        try
        {
            foreach (var name in new[] { ModelFile, MetricsFile })
            {
                var local = Path.Combine(workDir, "production-" + name);
                var sha = name == ModelFile ? manifest.ModelSha256 : manifest.MetricsSha256;
                await store.GetFileAsync(manifest.HistoryPrefix + name, local, sha, ct).ConfigureAwait(false);
                await store.PutFileAsync(prefix + name, local, sha, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            warnings.Add($"production did change (manifest.json names the new model), but the plain model.bin/metrics.json copies beside it were not refreshed ({ex.Message})");
        }

        return manifest with { Warnings = warnings };
    }

    /// <summary>Writes the change record of a change that happened; a leftover of a failed attempt at the same sequence is replaced.</summary>
    private async Task WriteChangeRecordAsync(ProductionManifest manifest, CancellationToken ct)
    {
        var key = $"{ProductionPrefix(manifest.Symbol)}changes/{manifest.Sequence:D6}.json";
        var text = Json.Serialize(manifest with { Warnings = [] }, StorageJson.Indented.ProductionManifest);
        try
        {
            await store.WriteTextAsync(key, text, WriteCondition.IfAbsent, ct).ConfigureAwait(false);
        }
        catch (ConcurrentWriteException)
        {
            // The pointer is ours at this sequence, so whatever record is there is a failed attempt's: replace it.
            var stale = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
            await store.WriteTextAsync(key, text, stale is null ? WriteCondition.IfAbsent : WriteCondition.IfMatch(stale.ETag), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the current pointer's change record when it is missing (a failure after an earlier change); never throws.</summary>
    private async Task RepairHistoryAsync(ProductionManifest current, CancellationToken ct)
    {
        try
        {
            var key = $"{ProductionPrefix(current.Symbol)}changes/{current.Sequence:D6}.json";
            var record = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
            if (record is null || Json.Deserialize(record.Content, StorageJson.Indented.ProductionManifest, key) is var r && (r.JobId != current.JobId || r.ChangedAt != current.ChangedAt))
            {
                await WriteChangeRecordAsync(current, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            // The pointer still names production; the history shows the pointer's change without its record.
        }
    }

    private async Task<bool> PointerIsAsync(ProductionManifest manifest, CancellationToken ct)
    {
        try
        {
            var now = await GetProductionAsync(manifest.Symbol, ct).ConfigureAwait(false);
            return now is { Manifest: var m } && m.Sequence == manifest.Sequence && m.JobId == manifest.JobId && m.ChangedAt == manifest.ChangedAt;
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static QuantLabException Unchanged(string symbol, Exception ex) =>
        new($"changing production of {symbol} failed before it took effect: {ex.Message}; production is unchanged", ex);

    private static void ValidateFileName(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.') || name == CompleteMarker)
        {
            throw new ArgumentException($"invalid candidate file name '{name}'", nameof(name));
        }
    }
}
