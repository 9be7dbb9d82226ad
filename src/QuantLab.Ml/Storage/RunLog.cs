using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>One summary object per run-daily invocation under runs/ in the store (S3 cannot append, so no single log file).</summary>
public sealed class RunLog(IArtifactStore store)
{
    private const string Prefix = "runs/log/";

    /// <summary>Writes the summary of a finished (or failed) invocation.</summary>
    public Task WriteAsync(RunSummary summary, CancellationToken ct) =>
        store.WriteTextAsync($"{Prefix}{summary.StartedAt:yyyyMMdd'T'HHmmss'Z'}-{summary.RunId}.json", Json.Serialize(summary, StorageJson.Indented.RunSummary), WriteCondition.None, ct);

    /// <summary>The newest <paramref name="last"/> summaries, newest first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(int last, CancellationToken ct)
    {
        var keys = await store.ListAsync(Prefix, ct).ConfigureAwait(false);
        var newest = keys.Where(k => k.EndsWith(".json", StringComparison.Ordinal)).OrderDescending(StringComparer.Ordinal).Take(last).ToHashSet(StringComparer.Ordinal);
        var summaries = await store.ReadAllAsync(Prefix, StorageJson.Indented.RunSummary, newest.Contains, ct).ConfigureAwait(false);
        return summaries.OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.RunId, StringComparer.Ordinal).ToList();
    }
}

/// <summary>What one run-daily invocation did, for `runs`, `status` and monitoring.</summary>
public sealed record RunSummary
{
    public required string RunId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required string Provider { get; init; }
    public required string Host { get; init; }
    public required IReadOnlyList<RunSummaryEntry> Runs { get; init; }
}

/// <summary>One symbol of a run summary.</summary>
public sealed record RunSummaryEntry
{
    public required string Symbol { get; init; }
    public DateOnly? Date { get; init; }
    public string? JobId { get; init; }

    /// <summary>succeeded, failed, skipped, not_ready or planned.</summary>
    public required string Status { get; init; }

    /// <summary>promoted, rejected, skipped, or null when no decision was made.</summary>
    public RunDecision? Decision { get; init; }
    public double? DirectionalAccuracy { get; init; }
    /// <summary>The candidate's per-bar Sharpe ratio net of costs (not annualized).</summary>
    public double? SharpePerBar { get; init; }
    public double DurationSeconds { get; init; }
    public string? Machine { get; init; }

    /// <summary>Rows trained on and the trainer's own seconds, for the night planner's estimates.</summary>
    public long? TrainRows { get; init; }
    public double? TrainerSeconds { get; init; }
    public double? CostUsd { get; init; }
    public string? Error { get; init; }
}
