namespace QuantLab.Ml.Storage;

/// <summary>The completion marker of a candidate, written last: which files it has and what they hash to.</summary>
public sealed record CandidateManifest
{
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }
    public required string JobId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required IReadOnlyDictionary<string, StoredFile> Files { get; init; }
}

/// <summary>One stored file: its sha256 and size.</summary>
public sealed record StoredFile(string Sha256, long Size);

/// <summary>
/// The production pointer (models/production/&lt;symbol&gt;/manifest.json). Readers read it first and then the files it names;
/// the plain model.bin/metrics.json copies beside it are refreshed after it and carry the same sha256.
/// </summary>
public sealed record ProductionManifest
{
    public required string Symbol { get; init; }

    /// <summary>The candidate date (yyyy-MM-dd) this production model came from.</summary>
    public required DateOnly Version { get; init; }
    public required string JobId { get; init; }
    public required string ModelSha256 { get; init; }
    public required string MetricsSha256 { get; init; }

    /// <summary>Immutable copy of the promoted files: models/production/&lt;symbol&gt;/history/&lt;sequence&gt;-&lt;date&gt;/.</summary>
    public required string HistoryPrefix { get; init; }
    public required int Sequence { get; init; }
    public required DateTimeOffset ChangedAt { get; init; }
    public required string ChangedBy { get; init; }

    /// <summary>promote, forced_promote or rollback.</summary>
    public required string Action { get; init; }
    public required string Reason { get; init; }

    /// <summary>What failed after this change took effect (history record, plain copies); never stored.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
