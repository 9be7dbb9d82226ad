using System.Globalization;
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

    /// <summary>Day-level statuses that allow training; any other status the compactor gives a day (BAD, PARTIAL, failed, …) refuses it.</summary>
    private static readonly HashSet<string> DayOk = new(StringComparer.OrdinalIgnoreCase) { "success", "GOOD", "DEGRADED" };

    /// <summary>Checks one day; <see cref="ReadinessReport.Partition"/> is filled when it is Ready.</summary>
    public static async Task<ReadinessReport> CheckAsync(
        ICompactDataSource source, string exchange, string stream, string symbol, DateOnly date, DataCheckOptions checks, CancellationToken ct)
    {
        var report = await CheckWindowAsync(source, exchange, stream, symbol, date, 1, checks, ct).ConfigureAwait(false);
        return report with { Partition = report.Partitions.Count == 1 ? report.Partitions[0] : null };
    }

    /// <summary>
    /// Checks the <paramref name="windowDays"/> days ending with <paramref name="endDate"/>; Ready only when every day is, and
    /// the worst status otherwise. <paramref name="checks"/> sets what refuses an intact but unfit day.
    /// </summary>
    public static async Task<ReadinessReport> CheckWindowAsync(
        ICompactDataSource source, string exchange, string stream, string symbol, DateOnly endDate, int windowDays, DataCheckOptions checks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(checks);
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

        var results = new List<DayCheck>(days.Count);
        foreach (var (day, stateCheck) in days.Zip(fromState))
        {
            var fileCheck = await CheckFilesAsync(source, new PartitionRef(exchange, stream, symbol, day), stateCheck.State!, checks, ct).ConfigureAwait(false);
            results.Add(fileCheck with { Reasons = [.. stateCheck.Reasons, .. fileCheck.Reasons] });
        }

        return Report([.. results]);
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
        if (entry?.Malformed is { } raw)
        {
            return DayCheck.Fail($"partition {id} in {CompactLayout.StateKey} is not an object ({SymbolName.Printable(raw)}): cannot tell its status");
        }

        if (status is not null && GaveUp.Contains(status))
        {
            return DayCheck.Fail($"partition {id} has status {status}{ErrorText(entry!)}: compaction gave up on it");
        }

        if (state.FindDay(part.Date) is { Status: { } dayStatus } dayState && DayVerdict(day, dayStatus, dayState.UpdatedAt) is { } verdict)
        {
            return verdict;
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

    private static async Task<DayCheck> CheckFilesAsync(ICompactDataSource source, PartitionRef part, PartitionState entry, DataCheckOptions checks, CancellationToken ct)
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

            if (meta.OrderingColumns is { } ordering && !ordering.SequenceEqual([CompactSchema.TsEvent, CompactSchema.Seq], StringComparer.Ordinal))
            {
                return DayCheck.Fail($"{metaKey} says the rows are ordered by ({string.Join(", ", ordering.Select(SymbolName.Printable))}); this version reads files ordered by (ts_event, seq)");
            }

            if (entry.TotalSizeBytes is { } stateSize && stateSize != size)
            {
                return DayCheck.Fail($"{dataKey} is {size} bytes but {CompactLayout.StateKey} says total_size_bytes {stateSize}");
            }

            if (meta.HasChecksum && !IsSha256Hex(meta.Sha256!.Trim()))
            {
                return DayCheck.Fail($"{metaKey} has sha256 '{SymbolName.Printable(meta.Sha256)}', which is neither 64 hex digits nor the compactor's \"{PartitionMeta.NoChecksum}\"");
            }

            if (!meta.HasChecksum && checks.RequireChecksum)
            {
                return DayCheck.Wait($"{metaKey} has no checksum (sha256 \"{SymbolName.Printable(meta.Sha256)}\"), so {dataKey} cannot be verified, and DataCheck:RequireChecksum waits for one");
            }

            var local = await source.GetLocalFileAsync(dataKey, ct).ConfigureAwait(false);
            var sha = await Hashing.Sha256FileAsync(local, ct).ConfigureAwait(false);
            if (meta.HasChecksum && !string.Equals(sha, meta.Sha256!.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return DayCheck.Fail($"sha256 of {dataKey} is {sha} but meta.json says {meta.Sha256}");
            }

            if (meta.Rows is null)
            {
                return DayCheck.Fail($"{metaKey} has no rows");
            }

            var summary = await CompactParquetReader.ScanDayAsync(local, part.Date, checks.BeforeMidnightTolerance, ct).ConfigureAwait(false);
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

            var content = summary.Day!;
            if (DayContentChecks.Refusal(dataKey, part.Date, meta, summary, content, checks) is { } refusal)
            {
                return DayCheck.Fail(refusal);
            }

            var degraded = quality == "DEGRADED";
            var checksum = meta.HasChecksum
                ? $"sha256 {sha[..12]}… match meta.json"
                : "match meta.json; its sha256 is \"N/A\", so the checksum could not be verified (rows, size, schema and timestamps were)";
            List<string> reasons =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"{dataKey}: {summary.Rows} rows, {size} bytes and {checksum}; BBO columns present, no nulls, ordered by (ts_event, seq); ts_event within the day, {content.CoveredHours} of 24 hours covered; day quality {quality}"),
            ];
            if (content.UnusableRows > 0)
            {
                reasons.Add(DayContentChecks.Dropped(dataKey, content, checks));
            }

            if (!meta.HasChecksum)
            {
                reasons.Add($"{id}: checksum not verified (meta.json sha256 \"{SymbolName.Printable(meta.Sha256)}\"): used, and flagged in the run record");
            }

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
                    ChecksumVerified = meta.HasChecksum,
                    DroppedRows = content.UnusableRows,
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
            return $"{metaKey}: day quality '{SymbolName.Printable(unknown)}' is not one this version knows (GOOD, DEGRADED, BAD, PARTIAL): refused, only GOOD and DEGRADED days are trained on";
        }

        quality = found.MaxBy(q => Array.IndexOf(Qualities, q))!;
        return quality is "BAD" or "PARTIAL" ? $"{metaKey} has day quality {quality}: not for training" : null;
    }

    /// <summary>A day-level verdict of the compactor: null when it allows training, else why not.</summary>
    private static DayCheck? DayVerdict(string day, string status, string? updatedAt)
    {
        var normalized = status.Trim();
        var at = string.IsNullOrWhiteSpace(updatedAt) ? "" : $" (updated {SymbolName.Printable(updatedAt)})";
        var named = $"{CompactLayout.StateKey} marks day {day} as {SymbolName.Printable(normalized)}{at}";
        if (DayOk.Contains(normalized))
        {
            return null;
        }

        return StillRunning.Contains(normalized.ToLowerInvariant())
            ? DayCheck.Wait($"{named}: compaction is still working on it")
            : DayCheck.Fail($"{named}: the compactor's verdict on the whole day, so it is not trained on even where its partition looks fine");
    }

    private static bool IsSha256Hex(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);

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
