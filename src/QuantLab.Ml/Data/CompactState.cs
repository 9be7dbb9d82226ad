using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>compacted/_state.json: how far the nightly compaction got and the verdict of every partition.</summary>
public sealed record CompactState
{
    /// <summary>yyyyMMdd of the newest fully compacted day; null before the first one.</summary>
    public string? LastCompactedDate { get; init; }

    /// <summary>Keyed "&lt;exchange&gt;/&lt;stream&gt;/&lt;symbol&gt;/&lt;yyyyMMdd&gt;" (see <see cref="CompactLayout.PartitionId"/>).</summary>
    public IReadOnlyDictionary<string, PartitionState>? Partitions { get; init; }

    /// <summary>Optional whole-day verdicts, keyed yyyyMMdd.</summary>
    public IReadOnlyDictionary<string, string?>? Days { get; init; }

    /// <summary>Fields this version does not know; kept so that merging a state file does not drop them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary><see cref="LastCompactedDate"/> as a date (validated by <see cref="Parse"/>).</summary>
    [JsonIgnore]
    public DateOnly? LastCompacted => ParseDay(LastCompactedDate);

    /// <summary>Parses the state file; a malformed file is a <see cref="QuantLabException"/> naming <paramref name="key"/>.</summary>
    public static CompactState Parse(string json, string key = CompactLayout.StateKey)
    {
        var state = Json.Deserialize<CompactState>(json, key);
        if (state.LastCompactedDate is { Length: > 0 } last && ParseDay(last) is null)
        {
            throw new QuantLabException($"{key}: last_compacted_date '{SymbolName.Printable(last)}' is not a yyyyMMdd date");
        }

        if (state.Partitions?.FirstOrDefault(p => p.Value is null) is { Key: not null } empty)
        {
            throw new QuantLabException($"{key}: partition '{SymbolName.Printable(empty.Key)}' is null");
        }

        return state;
    }

    /// <summary>The partition's entry, or null when the state does not mention it.</summary>
    public PartitionState? FindPartition(string partitionId) =>
        Partitions is not null && Partitions.TryGetValue(partitionId, out var p) ? p : null;

    private static DateOnly? ParseDay(string? value) =>
        DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

/// <summary>One partition's entry in compacted/_state.json.</summary>
public sealed record PartitionState
{
    /// <summary>success, skipped, quarantine, in_progress, stalled, aborted, no_files, download_failed or locked.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? Status { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? DayQualityPost { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? PostFilterVersion { get; init; }

    public long? Rows { get; init; }
    public long? TotalSizeBytes { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? UpdatedAt { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? ErrorType { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
