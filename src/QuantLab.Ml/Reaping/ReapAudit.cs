using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using Serilog;

namespace QuantLab.Ml.Reaping;

/// <summary>
/// One small JSON line per (non-dry) reap under runs/audit/ in the store: who reaped what, why, and what it had cost.
/// One object per invocation because S3 cannot append.
/// </summary>
public static class ReapAudit
{
    public const string Prefix = "runs/audit/";

    /// <summary>Writes the audit object of <paramref name="result"/>; returns a warning instead of throwing when the store refuses.</summary>
    internal static async Task<string?> TryWriteAsync(IArtifactStore store, ReapResult result, ILogger log, CancellationToken ct)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{Prefix}reap-{result.StartedAt:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}.json");
        try
        {
            await store.WriteTextAsync(key, Json.Serialize(Of(result), ReapingJson.Compact.ReapAuditRecord) + "\n", WriteCondition.IfAbsent, ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.Warning(ex, "Could not write the reap audit {Key}", key);
            return $"the reap audit {key} could not be written: {ex.Message}";
        }
    }

    /// <summary>Every audit object in the store, oldest first.</summary>
    public static Task<IReadOnlyList<ReapAuditRecord>> ListAsync(IArtifactStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        // runs/audit/ also holds the run-daily audit trails (<run-id>.jsonl): only the reap objects are read here.
        return store.ReadAllAsync(Prefix + "reap-", ReapingJson.Indented.ReapAuditRecord, k => k.EndsWith(".json", StringComparison.Ordinal), ct);
    }

    internal static ReapAuditRecord Of(ReapResult result) => new()
    {
        At = result.StartedAt,
        Host = Environment.MachineName,
        Pid = Environment.ProcessId,
        LabelPrefix = result.LabelPrefix,
        InstancesListed = result.InstancesListed,
        Kept = result.Kept.Count,
        DestroyFailures = result.DestroyFailures,
        Orphans = result.Orphans.Select(o => new ReapAuditOrphan
        {
            Id = o.Id,
            Label = o.Label,
            Rule = o.Rule,
            Outcome = o.Outcome,
            CostSoFar = o.CostSoFar,
            AttemptId = o.AttemptId,
            Error = o.Error,
        }).ToList(),
    };
}

/// <summary>The audit object of one reap.</summary>
public sealed record ReapAuditRecord
{
    public required DateTimeOffset At { get; init; }
    public required string Host { get; init; }
    public required int Pid { get; init; }
    public required string LabelPrefix { get; init; }
    public required int InstancesListed { get; init; }
    public required int Kept { get; init; }
    public required int DestroyFailures { get; init; }
    public required IReadOnlyList<ReapAuditOrphan> Orphans { get; init; }
}

/// <summary>One orphan in the audit: which, why (the rule), what happened and what it had cost.</summary>
public sealed record ReapAuditOrphan
{
    public required long Id { get; init; }
    public string? Label { get; init; }
    public OrphanRule? Rule { get; init; }
    public required ReapOutcome Outcome { get; init; }
    public double? CostSoFar { get; init; }
    public string? AttemptId { get; init; }
    public string? Error { get; init; }
}
