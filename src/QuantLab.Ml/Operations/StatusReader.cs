using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Operations;

/// <summary>Builds the <see cref="StatusReport"/> from the store's run log and model registry and the live-instance source.</summary>
public sealed class StatusReader(ModelRegistry registry, ILiveInstanceSource? instances, TimeProvider time)
{
    /// <summary>The nightly run plus a few manual ones a day, for weeks: enough to find every configured symbol's last run.</summary>
    public const int RunsToScan = 60;

    /// <summary>The default freshness limit: a night's run plus two hours of slack for a late compaction.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);

    public async Task<StatusReport> ReadAsync(IReadOnlyList<string> symbols, TimeSpan maxAge, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var now = time.GetUtcNow();
        var runs = await new RunLog(registry.Store).ListAsync(RunsToScan, ct).ConfigureAwait(false);
        var (live, note) = await ListInstancesAsync(ct).ConfigureAwait(false);
        var result = new List<SymbolStatus>();
        foreach (var symbol in symbols.Select(Market.ParseKey).Distinct())
        {
            result.Add(await ReadSymbolAsync(symbol, runs, live, now, maxAge, ct).ConfigureAwait(false));
        }

        return new StatusReport
        {
            CheckedAt = now,
            Store = registry.Store.Root,
            MaxAgeHours = maxAge.TotalHours,
            Healthy = result.All(s => s.Healthy),
            Symbols = result,
            InstancesKnown = live is not null,
            LiveInstances = live,
            InstancesNote = note,
        };
    }

    private async Task<SymbolStatus> ReadSymbolAsync(
        string symbol, IReadOnlyList<RunSummary> runs, IReadOnlyList<LiveInstance>? live, DateTimeOffset now, TimeSpan maxAge, CancellationToken ct)
    {
        var problems = new List<string>();
        LastRunStatus? lastRun = null;
        var newest = runs.Select(r => (Run: r, Entry: r.Runs.FirstOrDefault(e => e.Symbol == symbol))).FirstOrDefault(x => x.Entry is not null);
        if (newest.Entry is { } entry)
        {
            var age = now - newest.Run.FinishedAt;
            lastRun = new LastRunStatus
            {
                RunId = newest.Run.RunId,
                StartedAt = newest.Run.StartedAt,
                FinishedAt = newest.Run.FinishedAt,
                AgeHours = Math.Round(age.TotalHours, 2),
                Status = entry.Status,
                Date = entry.Date,
                JobId = entry.JobId,
                Decision = entry.Decision,
                CostUsd = entry.CostUsd,
                DurationSeconds = entry.DurationSeconds,
                Error = entry.Error,
                Provider = newest.Run.Provider,
                Host = newest.Run.Host,
                Candidate = entry.Status == "succeeded" && entry.Date is { } day
                    ? await ReadMetricsAsync(ModelRegistry.CandidatePrefix(symbol, day) + ModelRegistry.MetricsFile, ct).ConfigureAwait(false)
                    : null,
            };
            switch (entry.Status)
            {
                case "failed":
                    problems.Add($"last run failed: {entry.Error ?? "no reason recorded"}");
                    break;
                case "not_ready":
                    problems.Add($"last run trained nothing, data not ready: {entry.Error ?? "no reason recorded"}");
                    break;
            }

            if (age > maxAge)
            {
                problems.Add(FormattableString.Invariant($"last run finished {age.TotalHours:F1} h ago (limit {maxAge.TotalHours:F0} h): did tonight's run start?"));
            }
        }
        else
        {
            problems.Add($"no run of {symbol} in the last {RunsToScan} run-daily invocations recorded in the store");
        }

        ProductionStatus? production = null;
        if (await registry.GetProductionAsync(symbol, ct).ConfigureAwait(false) is { } current)
        {
            var m = current.Manifest;
            production = new ProductionStatus
            {
                Version = m.Version,
                JobId = m.JobId,
                ChangedAt = m.ChangedAt,
                AgeHours = Math.Round((now - m.ChangedAt).TotalHours, 2),
                Action = m.Action,
                Metrics = await ReadMetricsAsync(m.HistoryPrefix + ModelRegistry.MetricsFile, ct).ConfigureAwait(false),
            };
        }

        return new SymbolStatus
        {
            Symbol = symbol,
            Healthy = problems.Count == 0,
            Problems = problems,
            LastRun = lastRun,
            Production = production,
            LiveInstances = live?.Where(i => i.Symbol == symbol).ToList(),
        };
    }

    private async Task<KeyMetrics?> ReadMetricsAsync(string key, CancellationToken ct)
    {
        var text = await registry.Store.ReadTextAsync(key, ct).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }

        try
        {
            return Json.Deserialize(text.Content, OperationsJson.Indented.KeyMetrics, key);
        }
        catch (QuantLabException)
        {
            // A damaged metrics file must not hide the rest of the status; the metrics just show as unknown.
            return null;
        }
    }

    private async Task<(IReadOnlyList<LiveInstance>? Live, string? Note)> ListInstancesAsync(CancellationToken ct)
    {
        if (instances is null)
        {
            return (null, "unknown: no Vast API key, so live machines cannot be listed (set VAST_API_KEY or Vast:ApiKeyFile)");
        }

        try
        {
            return (await instances.ListAsync(ct).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, $"unknown: listing live instances failed: {ex.Message}");
        }
    }
}
