using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// compacted/_state.json: how far the nightly compaction got and the verdict of every partition and day. Read leniently:
/// only this symbol's own entries decide anything, so another partition's odd field never fails a night.
/// </summary>
public sealed record CompactState
{
    /// <summary>yyyyMMdd of the newest fully compacted day; null before the first one.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? LastCompactedDate { get; init; }

    /// <summary>When the writer last saved the file (ISO time with Z); informational.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? UpdatedAt { get; init; }

    /// <summary>Keyed "&lt;exchange&gt;/&lt;stream&gt;/&lt;symbol&gt;/&lt;yyyyMMdd&gt;" (see <see cref="CompactLayout.PartitionId"/>).</summary>
    [JsonConverter(typeof(PartitionStatesConverter))]
    public IReadOnlyDictionary<string, PartitionState>? Partitions { get; init; }

    /// <summary>Optional whole-day verdicts, keyed yyyyMMdd: an object {status, updated_at} per day (a bare string is read as the status).</summary>
    [JsonConverter(typeof(DayStatesConverter))]
    public IReadOnlyDictionary<string, DayState>? Days { get; init; }

    /// <summary>Fields this version does not know; kept so that merging a state file does not drop them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary><see cref="LastCompactedDate"/> as a date (validated by <see cref="Parse"/>).</summary>
    [JsonIgnore]
    public DateOnly? LastCompacted => ParseDay(LastCompactedDate);

    /// <summary>Parses the state file; a malformed file is a <see cref="QuantLabException"/> naming <paramref name="key"/>.</summary>
    public static CompactState Parse(string json, string key = CompactLayout.StateKey)
    {
        var state = Json.Deserialize(json, DataJson.Indented.CompactState, key);
        if (state.LastCompactedDate is { Length: > 0 } last && ParseDay(last) is null)
        {
            throw new QuantLabException($"{key}: last_compacted_date '{SymbolName.Printable(last)}' is not a yyyyMMdd date");
        }

        return state;
    }

    /// <summary>The partition's entry, or null when the state does not mention it.</summary>
    public PartitionState? FindPartition(string partitionId) =>
        Partitions is not null && Partitions.TryGetValue(partitionId, out var p) ? p : null;

    /// <summary>The day-level verdict for <paramref name="date"/>, or null when the state gives none.</summary>
    public DayState? FindDay(DateOnly date) =>
        Days is not null && Days.TryGetValue(TradingDate.Compact(date), out var d) ? d : null;

    private static DateOnly? ParseDay(string? value) =>
        DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

/// <summary>One partition's entry in compacted/_state.json; every field is read leniently (the file's own rows and size are checked against data.parquet, not trusted).</summary>
public sealed record PartitionState
{
    /// <summary>success, skipped, quarantine, in_progress, stalled, aborted, no_files, download_failed, locked or unknown.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? Status { get; init; }

    /// <summary>GOOD, DEGRADED, BAD, PARTIAL, or null when the partition failed before its quality was known.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? DayQualityPost { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? PostFilterVersion { get; init; }

    [JsonConverter(typeof(LenientCountConverter))]
    public long? Rows { get; init; }

    [JsonConverter(typeof(LenientCountConverter))]
    public long? TotalSizeBytes { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? UpdatedAt { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? ErrorType { get; init; }

    /// <summary>The raw object the failure was about, e.g. one part file of the day.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? FailingKey { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? Error { get; init; }

    /// <summary>The entry's JSON when it was not an object at all; such an entry is unusable for its own symbol only.</summary>
    [JsonIgnore]
    public string? Malformed { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A day-level verdict in compacted/_state.json's <c>days</c>.</summary>
public sealed record DayState
{
    /// <summary>The compactor's verdict for the whole day, e.g. BAD; null when the entry gave none.</summary>
    public string? Status { get; init; }
    public string? UpdatedAt { get; init; }
}
