using System.Text.Json.Serialization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>Compile-time JSON metadata of what the nightly run writes and reads: job specs, metrics, evaluation and decision records, the audit trail, run results.</summary>
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(ConfigHashInput))]
[JsonSerializable(typeof(DecisionRecord))]
[JsonSerializable(typeof(EvaluationRecord))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(ModelListing))]
[JsonSerializable(typeof(ModelMetrics))]
[JsonSerializable(typeof(PromoteResult))]
[JsonSerializable(typeof(RunDailyResult))]
[JsonSerializable(typeof(RunStatus))]
internal sealed partial class PipelineJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static PipelineJson Indented { get; } = new(Json.Conventions(indented: true));

    /// <summary>The same on one line (log lines, payloads, JSON Lines).</summary>
    public static PipelineJson Compact { get; } = new(Json.Conventions(indented: false));
}
