using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Reaping;

/// <summary>Compile-time JSON metadata of the reaper's audit record and result.</summary>
[JsonSerializable(typeof(ReapAuditRecord))]
[JsonSerializable(typeof(ReapResult))]
internal sealed partial class ReapingJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static ReapingJson Indented { get; } = new(Json.Conventions(indented: true));

    /// <summary>The same on one line (log lines, payloads, JSON Lines).</summary>
    public static ReapingJson Compact { get; } = new(Json.Conventions(indented: false));
}
