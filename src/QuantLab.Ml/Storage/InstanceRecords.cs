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

    /// <summary>Writes (or replaces) the record of one rental attempt.</summary>
    public Task WriteAsync(InstanceRecord record, CancellationToken ct) =>
        store.WriteTextAsync(KeyOf(record.AttemptId), Json.Serialize(record), WriteCondition.None, ct);

    public async Task<InstanceRecord?> GetAsync(string attemptId, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(KeyOf(attemptId), ct).ConfigureAwait(false);
        return text is null ? null : Json.Deserialize<InstanceRecord>(text.Content, KeyOf(attemptId));
    }

    /// <summary>Every record, oldest first.</summary>
    public async Task<IReadOnlyList<InstanceRecord>> ListAsync(CancellationToken ct)
    {
        var records = await store.ReadAllAsync<InstanceRecord>(Prefix, null, ct).ConfigureAwait(false);
        return records.OrderBy(r => r.CreatedAt).ToList();
    }

    private static string KeyOf(string attemptId)
    {
        if (attemptId.Length is 0 or > 100 || attemptId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"invalid attempt id '{attemptId}'", nameof(attemptId));
        }

        return Prefix + attemptId + ".json";
    }
}

/// <summary>State of one rental attempt: who rented what, for which job, what it cost and how it ended.</summary>
public sealed record InstanceRecord
{
    /// <summary>Unique per create attempt: &lt;job-id&gt;-&lt;n&gt;.</summary>
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
    public required string Status { get; init; }
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

    public bool IsSettled => Status is "destroyed" or "reaped" || (Status == "failed" && DestroyedAt is not null);
}
