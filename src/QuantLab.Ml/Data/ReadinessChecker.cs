using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Decides whether compacted days are ready for training: compaction state first (cheap), then files against meta.json.</summary>
public static class ReadinessChecker
{
    /// <summary>Statuses of a partition that compaction is still working on.</summary>
    private static readonly HashSet<string> StillRunning = new(StringComparer.Ordinal) { "in_progress", "locked", "stalled" };

    /// <summary>Statuses of a partition that compaction gave up on.</summary>
    private static readonly HashSet<string> GaveUp = new(StringComparer.Ordinal) { "quarantine", "aborted", "no_files", "download_failed", "skipped" };

    private static readonly string[] Qualities = ["GOOD", "DEGRADED", "PARTIAL", "BAD"];

    /// <summary>Checks one day; <see cref="ReadinessReport.Partition"/> is filled when it is Ready.</summary>
    public static async Task<ReadinessReport> CheckAsync(ICompactDataSource source, string exchange, string stream, string symbol, DateOnly date, CancellationToken ct)
    {
        var report = await CheckWindowAsync(source, exchange, stream, symbol, date, 1, ct).ConfigureAwait(false);
        return report with { Partition = report.Partitions.Count == 1 ? report.Partitions[0] : null };
    }

    /// <summary>Checks the <paramref name="windowDays"/> days ending with <paramref name="endDate"/>; Ready only when every day is, and the worst status otherwise.</summary>
    public static async Task<ReadinessReport> CheckWindowAsync(
        ICompactDataSource source, string exchange, string stream, string symbol, DateOnly endDate, int windowDays, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        exchange = ExchangeName.Parse(exchange);
        stream = ExchangeName.Parse(stream, "stream");
        symbol = SymbolName.Parse(symbol);
        if (windowDays is < 1 or > 366)
        {
            throw new UsageException($"the window must be 1..366 days, got {windowDays}");
        }

        var stateText = await source.ReadTextAsync(CompactLayout.StateKey, ct).ConfigureAwait(false);
        if (stateText is null)
        {
            return Report(DayCheck.Fail($"no {CompactLayout.StateKey} under {source.Root} — is --data right?"));
        }

        CompactState state;
        try
        {
            state = CompactState.Parse(stateText);
        }
        catch (QuantLabException ex)
        {
            return Report(DayCheck.Fail(ex.Message));
        }

        var days = Enumerable.Range(0, windowDays).Select(i => endDate.AddDays(i - windowDays + 1)).ToList();
        var fromState = days.Select(day => CheckState(state, new PartitionRef(exchange, stream, symbol, day))).ToList();
        if (fromState.Any(d => d.Status != ReadinessStatus.Ready))
        {
            // Files are only hashed once the state says every day is done: a waiting run polls this often.
            return Report([.. fromState]);
        }

        var checks = new List<DayCheck>(days.Count);
        foreach (var (day, stateCheck) in days.Zip(fromState))
        {
            var fileCheck = await CheckFilesAsync(source, new PartitionRef(exchange, stream, symbol, day), stateCheck.State!, ct).ConfigureAwait(false);
            checks.Add(fileCheck with { Reasons = [.. stateCheck.Reasons, .. fileCheck.Reasons] });
        }

        return Report([.. checks]);
    }

    private static ReadinessReport Report(params DayCheck[] days)
    {
        var status = days.Select(d => d.Status).Aggregate(ReadinessStatus.Ready, ReadinessReport.Worst);
        return new ReadinessReport
        {
            Status = status,
            Reasons = [.. days.SelectMany(d => d.Reasons)],
            Partitions = status == ReadinessStatus.Ready ? [.. days.Select(d => d.Partition!)] : [],
            Degraded = days.Any(d => d.Degraded),
        };
    }

    private static DayCheck CheckState(CompactState state, PartitionRef part)
    {
        var id = part.Id;
        var entry = state.FindPartition(id);
        var status = entry?.Status?.Trim().ToLowerInvariant();
        var last = state.LastCompacted;
        var day = TradingDate.Compact(part.Date);
        if (status is not null && GaveUp.Contains(status))
        {
            return DayCheck.Fail($"partition {id} has status {status}{ErrorText(entry!)}: compaction gave up on it");
        }

        if (last is null || last < part.Date)
        {
            var reason = last is null
                ? $"compaction has not finished any day yet ({CompactLayout.StateKey} has no last_compacted_date), so {day} is not compacted"
                : $"compaction has reached {TradingDate.Compact(last.Value)}, not {day}";
            return entry is null
                ? DayCheck.Wait(reason)
                : DayCheck.Wait(reason, $"partition {id} is {status ?? "without a status"}");
        }

        var reached = $"compaction has reached {TradingDate.Compact(last.Value)}";
        if (entry is null)
        {
            return DayCheck.Fail($"{reached}, but {CompactLayout.StateKey} has no partition {id}: no {part.Stream} data for {part.Symbol} on {part.Exchange} that day?");
        }

        if (status is not null && StillRunning.Contains(status))
        {
            return DayCheck.Wait($"{reached}, but partition {id} is {status}");
        }

        if (status != "success")
        {
            return DayCheck.Fail(status is null ? $"partition {id} has no status" : $"partition {id} has unknown status '{SymbolName.Printable(status)}'");
        }

        var quality = entry.DayQualityPost?.Trim().ToUpperInvariant();
        if (quality is "BAD" or "PARTIAL")
        {
            return DayCheck.Fail($"partition {id} has day quality {quality}: not for training");
        }

        return new DayCheck { Status = ReadinessStatus.Ready, Reasons = [$"{reached}; partition {id} is success"], State = entry };
    }

    private static async Task<DayCheck> CheckFilesAsync(ICompactDataSource source, PartitionRef part, PartitionState entry, CancellationToken ct)
    {
        var id = part.Id;
        var dataKey = CompactLayout.DataKey(part.Exchange, part.Stream, part.Symbol, part.Date);
        var metaKey = CompactLayout.MetaKey(part.Exchange, part.Stream, part.Symbol, part.Date);
        try
        {
            var metaText = await source.ReadTextAsync(metaKey, ct).ConfigureAwait(false);
            if (metaText is null)
            {
                return DayCheck.Fail($"{metaKey} is missing although the state says success");
            }

            var meta = PartitionMeta.Parse(metaText, metaKey);
            var size = await source.GetSizeAsync(dataKey, ct).ConfigureAwait(false);
            if (size is null)
            {
                return DayCheck.Fail($"{dataKey} is missing although the state says success");
            }

            if (QualityOf(meta, entry, metaKey, out var quality) is { } qualityProblem)
            {
                return DayCheck.Fail(qualityProblem);
            }

            if (meta.SchemaVersion is { } version && version != CompactSchema.SchemaVersion)
            {
                return DayCheck.Fail($"{metaKey} has schema_version {version}; this version reads {CompactSchema.SchemaVersion}");
            }

            if (entry.TotalSizeBytes is { } stateSize && stateSize != size)
            {
                return DayCheck.Fail($"{dataKey} is {size} bytes but {CompactLayout.StateKey} says total_size_bytes {stateSize}");
            }

            if (string.IsNullOrWhiteSpace(meta.Sha256))
            {
                return DayCheck.Fail($"{metaKey} has no sha256");
            }

            var local = await source.GetLocalFileAsync(dataKey, ct).ConfigureAwait(false);
            var sha = await Hashing.Sha256FileAsync(local, ct).ConfigureAwait(false);
            if (!string.Equals(sha, meta.Sha256.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return DayCheck.Fail($"sha256 of {dataKey} is {sha} but meta.json says {meta.Sha256}");
            }

            if (meta.Rows is null)
            {
                return DayCheck.Fail($"{metaKey} has no rows");
            }

            var summary = await CompactParquetReader.ValidateSchemaAndOrderAsync(local, ct).ConfigureAwait(false);
            if (!summary.IsValid)
            {
                return new DayCheck { Status = ReadinessStatus.Failed, Reasons = [.. summary.Problems.Select(p => $"{dataKey}: {p}")] };
            }

            if (summary.Rows != meta.Rows)
            {
                return DayCheck.Fail($"{dataKey} has {summary.Rows} rows but meta.json says {meta.Rows}");
            }

            if (entry.Rows is { } stateRows && stateRows != summary.Rows)
            {
                return DayCheck.Fail($"{dataKey} has {summary.Rows} rows but {CompactLayout.StateKey} says {stateRows}");
            }

            var degraded = quality == "DEGRADED";
            List<string> reasons =
            [
                $"{dataKey}: {summary.Rows} rows, {size} bytes and sha256 {sha[..12]}… match meta.json; BBO columns present, no nulls, ordered by (ts_event, seq); day quality {quality}",
            ];
            if (degraded)
            {
                reasons.Add($"{id} is DEGRADED: usable for training, and flagged in the run record");
            }

            return new DayCheck
            {
                Status = ReadinessStatus.Ready,
                Reasons = reasons,
                Degraded = degraded,
                Partition = new DataPartition
                {
                    Exchange = part.Exchange,
                    Stream = part.Stream,
                    Symbol = part.Symbol,
                    Date = part.Date,
                    Key = dataKey,
                    Sha256 = sha,
                    Rows = summary.Rows,
                    SizeBytes = size.Value,
                    DayQuality = quality,
                },
            };
        }
        catch (QuantLabException ex)
        {
            return DayCheck.Fail(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return DayCheck.Fail($"cannot read {id}: {ex.Message}");
        }
    }

    /// <summary>The worse of meta.json's day_quality and the state's day_quality_post; returns a problem when unusable.</summary>
    private static string? QualityOf(PartitionMeta meta, PartitionState entry, string metaKey, out string quality)
    {
        quality = "";
        var found = new[] { meta.DayQuality, entry.DayQualityPost }
            .Where(q => !string.IsNullOrWhiteSpace(q))
            .Select(q => q!.Trim().ToUpperInvariant())
            .ToList();
        if (found.Count == 0)
        {
            return $"{metaKey} has no day_quality (nor has the state file): cannot tell whether the day is fit for training";
        }

        if (found.FirstOrDefault(q => !Qualities.Contains(q)) is { } unknown)
        {
            return $"{metaKey}: unknown day quality '{SymbolName.Printable(unknown)}' (expected GOOD, DEGRADED, BAD or PARTIAL)";
        }

        quality = found.MaxBy(q => Array.IndexOf(Qualities, q))!;
        return quality is "BAD" or "PARTIAL" ? $"{metaKey} has day quality {quality}: not for training" : null;
    }

    private static string ErrorText(PartitionState entry) =>
        (entry.ErrorType, entry.Error) switch
        {
            (null, null) => "",
            ({ } type, null) => $" ({type})",
            (null, { } error) => $" ({error})",
            ({ } type, { } error) => $" ({type}: {error})",
        };

    private sealed record PartitionRef(string Exchange, string Stream, string Symbol, DateOnly Date)
    {
        public string Id => CompactLayout.PartitionId(Exchange, Stream, Symbol, Date);
    }

    private sealed record DayCheck
    {
        public required ReadinessStatus Status { get; init; }
        public required IReadOnlyList<string> Reasons { get; init; }
        public PartitionState? State { get; init; }
        public DataPartition? Partition { get; init; }
        public bool Degraded { get; init; }

        public static DayCheck Fail(string reason) => new() { Status = ReadinessStatus.Failed, Reasons = [reason] };

        public static DayCheck Wait(params string[] reasons) => new() { Status = ReadinessStatus.NotReady, Reasons = reasons };
    }
}
