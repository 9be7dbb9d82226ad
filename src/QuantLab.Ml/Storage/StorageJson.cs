using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>Compile-time JSON metadata of what the store keeps: manifests, instance records, locks, run summaries, the trial ledger.</summary>
[JsonSerializable(typeof(CandidateManifest))]
[JsonSerializable(typeof(ProductionManifest))]
[JsonSerializable(typeof(InstanceRecord))]
[JsonSerializable(typeof(LockRecord))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(TrialLedgerFile))]
[JsonSerializable(typeof(S3ClientSettings))]
internal sealed partial class StorageJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static StorageJson Indented { get; } = new(Json.Conventions(indented: true));

    /// <summary>The same on one line (log lines, payloads, JSON Lines).</summary>
    public static StorageJson Compact { get; } = new(Json.Conventions(indented: false));
}
