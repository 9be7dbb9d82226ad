using System.Collections.Concurrent;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// The append-only JSONL audit of one run-daily invocation: one line per step (start, end, outcome, job, error), written
/// locally as it happens (audit.jsonl in the run folder) and copied to the store (runs/audit/&lt;run-id&gt;.jsonl) at the end.
/// </summary>
public sealed class AuditTrail(string runDir, TimeProvider time)
{
    private readonly string path = Path.Combine(runDir, "audit.jsonl");
    private readonly Lock gate = new();
    private readonly ConcurrentQueue<AuditEntry> entries = new();

    public IReadOnlyCollection<AuditEntry> Entries => entries;

    /// <summary>Runs one step and records it, whatever its outcome; exceptions pass through unchanged.</summary>
    public async Task<T> StepAsync<T>(string step, string symbol, string? jobId, Func<Task<T>> body)
    {
        var started = time.GetUtcNow();
        try
        {
            var result = await body().ConfigureAwait(false);
            Write(new AuditEntry { Step = step, Symbol = symbol, JobId = jobId, StartedAt = started, EndedAt = time.GetUtcNow(), Outcome = "ok" });
            return result;
        }
        catch (Exception ex)
        {
            Write(new AuditEntry
            {
                Step = step, Symbol = symbol, JobId = jobId, StartedAt = started, EndedAt = time.GetUtcNow(),
                Outcome = ex is OperationCanceledException ? "cancelled" : "failed", Error = ex.Message,
            });
            throw;
        }
    }

    /// <summary>Records a fact that is not a step (e.g. what a job rented and what it cost).</summary>
    public void Note(AuditEntry entry) => Write(entry);

    /// <summary>Copies the audit to the store; a failure is the caller's to log, never the run's outcome.</summary>
    public async Task UploadAsync(IArtifactStore store, string runId, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            await store.PutFileAsync($"runs/audit/{runId}.jsonl", path, ct).ConfigureAwait(false);
        }
    }

    private void Write(AuditEntry entry)
    {
        entries.Enqueue(entry);
        lock (gate)
        {
            File.AppendAllText(path, Json.Serialize(entry, PipelineJson.Compact.AuditEntry) + "\n");
        }
    }
}

/// <summary>One line of the audit trail.</summary>
public sealed record AuditEntry
{
    public required string Step { get; init; }
    public required string Symbol { get; init; }
    public string? JobId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>ok, failed, cancelled, or a status for notes.</summary>
    public required string Outcome { get; init; }
    public long? InstanceId { get; init; }
    public long? OfferId { get; init; }
    public double? CostUsd { get; init; }
    public string? Error { get; init; }
}
