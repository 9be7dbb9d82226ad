using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>
/// A partition's meta.json, exactly as the compaction job writes it beside data.parquet. Fields the check relies on for
/// integrity (rows, timestamps, schema version, ordering) are strictly typed; informational ones accept any JSON value.
/// </summary>
public sealed record PartitionMeta
{
    /// <summary>What the compactor writes as sha256 when its merger reported none.</summary>
    public const string NoChecksum = "N/A";

    public long? Rows { get; init; }
    public long? TsEventMin { get; init; }
    public long? TsEventMax { get; init; }

    /// <summary>sha256 of data.parquet, lower-case hex, or <see cref="NoChecksum"/>.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? Sha256 { get; init; }

    /// <summary>How many raw files were merged: a count (null on hand-made slices; a list is read as its length).</summary>
    [JsonConverter(typeof(LenientCountConverter))]
    public long? SourceFiles { get; init; }
    public int? SchemaVersion { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? StreamType { get; init; }
    public IReadOnlyList<string>? OrderingColumns { get; init; }

    /// <summary>GOOD, DEGRADED, BAD or PARTIAL; hand-made files carry others (DIAGNOSTIC_SLICE).</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? DayQuality { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? PostFilterVersion { get; init; }

    /// <summary>Anything else (e.g. the slices' diagnostic object): kept, never needed.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>True when the file carries a real checksum to verify (not absent, empty or "N/A").</summary>
    [JsonIgnore]
    public bool HasChecksum => !string.IsNullOrWhiteSpace(Sha256) && !string.Equals(Sha256.Trim(), NoChecksum, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses meta.json; a malformed file is a <see cref="QuantLabException"/> naming <paramref name="key"/>.</summary>
    public static PartitionMeta Parse(string json, string key) => Json.Deserialize(json, DataJson.Indented.PartitionMeta, key);
}
