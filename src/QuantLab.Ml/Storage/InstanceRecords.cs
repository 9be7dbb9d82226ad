using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// One record per rented machine under runs/instances/ in the store, written BEFORE the create call and updated at every
/// step, so that `reap-orphans` can find and settle whatever a killed process left behind.
/// </summary>
public sealed class InstanceRecords(IArtifactStore store)
{
    private const string Prefix = "runs/instances/";

    /// <summary>Writes (or replaces) the record of one rental attempt; only its own run writes it unconditionally.</summary>
    public Task WriteAsync(InstanceRecord record, CancellationToken ct) =>
        store.WriteTextAsync(KeyOf(record.AttemptId), Json.Serialize(record, StorageJson.Indented.InstanceRecord), WriteCondition.None, ct);

    /// <summary>Replaces the record only when it is still the version read (<paramref name="etag"/>); throws <see cref="ConcurrentWriteException"/> otherwise.</summary>
    public Task WriteIfUnchangedAsync(InstanceRecord record, string etag, CancellationToken ct) =>
        store.WriteTextAsync(KeyOf(record.AttemptId), Json.Serialize(record, StorageJson.Indented.InstanceRecord), WriteCondition.IfMatch(etag), ct);

    /// <summary>The record with its version tag, for a conditional update; null when there is none.</summary>
    public async Task<(InstanceRecord Record, string ETag)?> GetVersionedAsync(string attemptId, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(KeyOf(attemptId), ct).ConfigureAwait(false);
        return text is null ? null : (Json.Deserialize(text.Content, StorageJson.Indented.InstanceRecord, KeyOf(attemptId)), text.ETag);
    }

    public async Task<InstanceRecord?> GetAsync(string attemptId, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(KeyOf(attemptId), ct).ConfigureAwait(false);
        return text is null ? null : Json.Deserialize(text.Content, StorageJson.Indented.InstanceRecord, KeyOf(attemptId));
    }

    /// <summary>Every record, oldest first.</summary>
    public async Task<IReadOnlyList<InstanceRecord>> ListAsync(CancellationToken ct)
    {
        var records = await store.ReadAllAsync(Prefix, StorageJson.Indented.InstanceRecord, null, ct).ConfigureAwait(false);
        return records.OrderBy(r => r.CreatedAt).ToList();
    }

    private static string KeyOf(string attemptId)
    {
        if (attemptId.Length is 0 or > 200 || attemptId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"invalid attempt id '{attemptId}'", nameof(attemptId));
        }

        return Prefix + attemptId + ".json";
    }
}

/// <summary>State of one rental attempt: who rented what, for which job, what it cost and how it ended.</summary>
public sealed record InstanceRecord
{
    /// <summary>Unique per create attempt of a run: &lt;run-id&gt;-&lt;job-id&gt;-&lt;n&gt;, so no run overwrites another's record.</summary>
    public required string AttemptId { get; init; }

    /// <summary>The label the instance carries on Vast (&lt;prefix&gt;&lt;job-id&gt;).</summary>
    public required string Label { get; init; }
    /// <summary>The job the instance was rented for, or the batch id when it trains several jobs (see <see cref="JobIds"/>).</summary>
    public required string JobId { get; init; }

    /// <summary>The jobs of a batch, in the order they train; null for a single job.</summary>
    public IReadOnlyList<string>? JobIds { get; init; }
    public required string RunId { get; init; }

    /// <summary>Every job this instance trains: the batch's jobs, or the one job.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Jobs => JobIds ?? [JobId];

    /// <summary>Host name and process id of the quantlab-ml process that rented it.</summary>
    public required string OwnerHost { get; init; }
    public required int OwnerPid { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>creating, running, destroyed, failed (the run failed but the instance is gone), reaped.</summary>
    public required InstanceStatus Status { get; init; }
    public long? InstanceId { get; init; }
    public long? OfferId { get; init; }
    public string? Gpu { get; init; }
    public double? DollarsPerHour { get; init; }
    public double? InetDownCostPerGb { get; init; }
    public double? InetUpCostPerGb { get; init; }

    /// <summary>When the instance must be gone at the latest (max runtime + margin); the on-box watchdog enforces it too.</summary>
    public DateTimeOffset? DeadlineAt { get; init; }
    public DateTimeOffset? DestroyedAt { get; init; }
    public double? CostUsd { get; init; }
    public string? Error { get; init; }

    /// <summary>What reap-orphans did to this instance, appended (the owner's fields, its cost included, are never rewritten).</summary>
    public IReadOnlyList<ReapNote>? Reaps { get; init; }

    public bool IsSettled => Status is InstanceStatus.Destroyed or InstanceStatus.Reaped || (Status == InstanceStatus.Failed && DestroyedAt is not null);
}

/// <summary>One act of reap-orphans on a recorded instance.</summary>
public sealed record ReapNote
{
    public required DateTimeOffset At { get; init; }

    /// <summary>destroyed, already_gone or destroy_failed.</summary>
    public required string Outcome { get; init; }
    public required long InstanceId { get; init; }

    /// <summary>What the instance cost from its start until this reap, by Vast's price.</summary>
    public double? CostUsd { get; init; }
    public string? Error { get; init; }
    public string? ReaperHost { get; init; }
}
