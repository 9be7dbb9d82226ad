using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>A partition's meta.json, written by the compaction job beside data.parquet.</summary>
public sealed record PartitionMeta
{
    public long? Rows { get; init; }
    public long? TsEventMin { get; init; }
    public long? TsEventMax { get; init; }

    /// <summary>sha256 of data.parquet, lower-case hex.</summary>
    public string? Sha256 { get; init; }
    public IReadOnlyList<string>? SourceFiles { get; init; }
    public int? SchemaVersion { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? StreamType { get; init; }
    public IReadOnlyList<string>? OrderingColumns { get; init; }

    /// <summary>GOOD, DEGRADED, BAD or PARTIAL.</summary>
    [JsonConverter(typeof(LenientStringConverter))]
    public string? DayQuality { get; init; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? PostFilterVersion { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>Parses meta.json; a malformed file is a <see cref="QuantLabException"/> naming <paramref name="key"/>.</summary>
    public static PartitionMeta Parse(string json, string key) => Json.Deserialize<PartitionMeta>(json, key);
}
