using System.Text.Json.Serialization;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Common;

/// <summary>
/// Compile-time JSON metadata of every type the library writes or reads (no reflection, so the build can be trimmed and
/// compiled ahead of time). <see cref="Json.Options"/> resolves types through this context only: a type missing here
/// fails its first serialization with "JsonTypeInfo metadata for type ... was not provided", in the tests as in production.
/// </summary>
[JsonSerializable(typeof(AlertPayload))]
[JsonSerializable(typeof(SlackPayload))]
[JsonSerializable(typeof(TelegramPayload))]
[JsonSerializable(typeof(AlertKind))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(BootstrapReport))]
[JsonSerializable(typeof(CandidateManifest))]
[JsonSerializable(typeof(CompactState))]
[JsonSerializable(typeof(ConfigHashInput))]
[JsonSerializable(typeof(ConfigReport))]
[JsonSerializable(typeof(DecisionRecord))]
[JsonSerializable(typeof(EvaluationRecord))]
[JsonSerializable(typeof(InstanceRecord))]
[JsonSerializable(typeof(IReadOnlyList<InstanceRow>))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(KeyMetrics))]
[JsonSerializable(typeof(LockRecord))]
[JsonSerializable(typeof(ModelListing))]
[JsonSerializable(typeof(ModelMetrics))]
[JsonSerializable(typeof(IReadOnlyList<OfferRow>))]
[JsonSerializable(typeof(PartitionMeta))]
[JsonSerializable(typeof(PartitionState))]
[JsonSerializable(typeof(ProductionManifest))]
[JsonSerializable(typeof(PromoteResult))]
[JsonSerializable(typeof(PromotionDecision))]
[JsonSerializable(typeof(QuantLabOptions))]
[JsonSerializable(typeof(ReadinessReport))]
[JsonSerializable(typeof(ReapAuditRecord))]
[JsonSerializable(typeof(ReapResult))]
[JsonSerializable(typeof(RemoteRunResult))]
[JsonSerializable(typeof(ReportData))]
[JsonSerializable(typeof(RunDailyResult))]
[JsonSerializable(typeof(RunStatus))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(S3ClientSettings))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(TrialLedgerFile))]
[JsonSerializable(typeof(List<VastInstance>))]
[JsonSerializable(typeof(List<VastOffer>))]
[JsonSerializable(typeof(VastInstance))]
[JsonSerializable(typeof(VastUser))]
internal sealed partial class QuantLabJsonContext : JsonSerializerContext;
