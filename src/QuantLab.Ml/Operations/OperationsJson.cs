using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Operations;

/// <summary>Compile-time JSON metadata of the operator's documents: alert payloads, status and config reports.</summary>
[JsonSerializable(typeof(AlertPayload))]
[JsonSerializable(typeof(SlackPayload))]
[JsonSerializable(typeof(TelegramPayload))]
[JsonSerializable(typeof(AlertKind))]
[JsonSerializable(typeof(KeyMetrics))]
[JsonSerializable(typeof(StatusReport))]
internal sealed partial class OperationsJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static OperationsJson Indented { get; } = new(Json.Conventions(indented: true));

    /// <summary>The same on one line (log lines, payloads, JSON Lines).</summary>
    public static OperationsJson Compact { get; } = new(Json.Conventions(indented: false));
}
