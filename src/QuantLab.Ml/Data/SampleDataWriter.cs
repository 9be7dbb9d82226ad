using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>What <see cref="SampleDataWriter"/> wrote.</summary>
public sealed record SampleDataResult
{
    public required IReadOnlyList<DataPartition> Partitions { get; init; }

    /// <summary>Path of the created or merged compacted/_state.json.</summary>
    public required string StateFile { get; init; }
    public long TotalRows => Partitions.Sum(p => p.Rows);
}

/// <summary>
/// Writes synthetic compact days (data.parquet, meta.json) in exactly the production layout and merges them into compacted/_state.json.
/// The same options always give byte-identical files; a day's content depends only on seed, exchange, symbol, date and the generator options.
/// </summary>
public static class SampleDataWriter
{
    /// <summary>Marks the files as synthetic wherever the production job records its inputs.</summary>
    public const string PostFilterVersion = "sample-1";

    public static async Task<SampleDataResult> WriteAsync(string outDir, SampleOptions options, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var exchange = ExchangeName.Parse(options.Exchange);
        var symbol = SymbolName.Parse(options.Symbol);
        const string stream = "bbo";
        var root = Path.GetFullPath(outDir);
        var statePath = Path.Combine(root, CompactLayout.StateKey.Replace('/', Path.DirectorySeparatorChar));

        // Read the state first so that a malformed one fails before anything is written.
        var state = File.Exists(statePath)
            ? CompactState.Parse(await File.ReadAllTextAsync(statePath, ct).ConfigureAwait(false), statePath)
            : new CompactState();

        var partitions = new List<DataPartition>(options.Days);
        var entries = new SortedDictionary<string, PartitionState>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Partitions ?? new Dictionary<string, PartitionState>())
        {
            entries[key] = value;
        }

        var days = new SortedDictionary<string, DayState>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Days ?? new Dictionary<string, DayState>())
        {
            days[key] = value;
        }

        for (var i = 0; i < options.Days; i++)
        {
            var date = options.From.AddDays(i);
            var partition = await WriteDayAsync(root, exchange, stream, symbol, date, options, ct).ConfigureAwait(false);
            partitions.Add(partition);
            entries[CompactLayout.PartitionId(exchange, stream, symbol, date)] = EntryFor(partition, options);
            if (options.Compacted && options.EffectiveStatus == "success")
            {
                // The real writer keeps an object per day; a failed partition speaks for itself in its own entry.
                days[TradingDate.Compact(date)] = new DayState { Status = "success", UpdatedAt = UpdatedAt(date) };
            }
        }

        var last = state.LastCompacted;
        var lastWritten = options.From.AddDays(options.Days - 1);
        if (options.Compacted && (last is null || last < lastWritten))
        {
            last = lastWritten;
        }

        var merged = state with
        {
            LastCompactedDate = last is null ? null : TradingDate.Compact(last.Value),
            UpdatedAt = UpdatedAt(lastWritten),
            Partitions = entries,
            Days = days.Count > 0 ? days : null,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(statePath)!);
        await Json.WriteFileAsync(statePath, merged, DataJson.Indented.CompactState, ct).ConfigureAwait(false);
        return new SampleDataResult { Partitions = partitions, StateFile = statePath };
    }

    private static async Task<DataPartition> WriteDayAsync(string root, string exchange, string stream, string symbol, DateOnly date, SampleOptions options, CancellationToken ct)
    {
        var dataKey = CompactLayout.DataKey(exchange, stream, symbol, date);
        var dataPath = Path.Combine(root, dataKey.Replace('/', Path.DirectorySeparatorChar));
        var metaPath = Path.Combine(root, CompactLayout.MetaKey(exchange, stream, symbol, date).Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);

        var day = SampleMarket.Generate(options, date);
        var rows = day.Rows;
        await CompactParquetWriter.WriteAsync(dataPath, rows, new CompactWriteOptions
        {
            Exchange = exchange,
            Symbol = symbol,
            Stream = stream,
            TsRecv = day.TsRecv,
            RowGroupSize = options.RowGroupSize,
        }, ct).ConfigureAwait(false);

        var sha = await Hashing.Sha256FileAsync(dataPath, ct).ConfigureAwait(false);
        var meta = new PartitionMeta
        {
            Rows = rows.Count,
            TsEventMin = rows.Count > 0 ? rows.TsEvent[0] : null,
            TsEventMax = rows.Count > 0 ? rows.TsEvent[^1] : null,
            Sha256 = sha,
            // A count, as the real compactor writes it: as if the collector had rotated its raw file every minute.
            SourceFiles = (long)Math.Ceiling(options.Hours * 60),
            SchemaVersion = CompactSchema.SchemaVersion,
            StreamType = stream,
            OrderingColumns = [CompactSchema.TsEvent, CompactSchema.Seq],
            DayQuality = options.Quality,
            PostFilterVersion = PostFilterVersion,
        };
        await Json.WriteFileAsync(metaPath, meta, DataJson.Indented.PartitionMeta, ct).ConfigureAwait(false);

        return new DataPartition
        {
            Exchange = exchange,
            Stream = stream,
            Symbol = symbol,
            Date = date,
            Key = dataKey,
            Sha256 = sha,
            Rows = rows.Count,
            SizeBytes = new FileInfo(dataPath).Length,
            DayQuality = options.Quality,
        };
    }

    private static PartitionState EntryFor(DataPartition partition, SampleOptions options)
    {
        var status = options.EffectiveStatus;
        var failed = status is not ("success" or "in_progress" or "locked" or "stalled");
        return new PartitionState
        {
            Status = status,
            // As the real writer: a partition that failed has no quality yet, and 0 rows and bytes.
            DayQualityPost = failed ? null : options.Quality,
            PostFilterVersion = PostFilterVersion,
            Rows = failed ? 0 : partition.Rows,
            TotalSizeBytes = failed ? 0 : partition.SizeBytes,
            UpdatedAt = UpdatedAt(partition.Date),
            ErrorType = failed ? "SampleFailure" : null,
            FailingKey = failed ? partition.Key : null,
            Error = failed ? $"synthetic {status} written by data sample" : null,
        };
    }

    /// <summary>Deterministic, and when the production job would write it: 02:30 UTC the next day.</summary>
    private static string UpdatedAt(DateOnly date) => TradingDate.Iso(date.AddDays(1)) + "T02:30:00.000000Z";
}
