using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Compile-time JSON metadata of the compactor's files: _state.json and the partitions' meta.json; and the readiness report.</summary>
[JsonSerializable(typeof(CompactState))]
[JsonSerializable(typeof(PartitionMeta))]
[JsonSerializable(typeof(PartitionState))]
[JsonSerializable(typeof(ReadinessReport))]
internal sealed partial class DataJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static DataJson Indented { get; } = new(Json.Conventions(indented: true));
}
