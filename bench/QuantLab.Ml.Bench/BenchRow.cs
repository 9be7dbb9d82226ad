using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Bench;

/// <summary>One line of bench/results.json: a figure beside its reference (schema shared with scripts/bench.sh).</summary>
internal sealed record BenchRow
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public required string Group { get; init; }
    public required string Name { get; init; }
    public required double Value { get; init; }
    public required string Unit { get; init; }
    public required string ReferenceName { get; init; }
    public required double ReferenceValue { get; init; }
    public double Ratio => ReferenceValue == 0 ? 0 : Math.Round(Value / ReferenceValue, 3);
    public required string Target { get; init; }

    /// <summary>The lowest ratio that meets the target (higher is better for throughputs).</summary>
    [JsonIgnore]
    public double MinRatio { get; init; }

    /// <summary>Null for rows that only report (<see cref="MinRatio"/> 0).</summary>
    public bool? Met => MinRatio > 0 ? Ratio >= MinRatio : null;
    public string Notes { get; init; } = string.Empty;

    /// <summary>A throughput row: MB/s (10^6 bytes) from the median time, both minima in the notes.</summary>
    public static BenchRow Throughput(string group, string name, long bytes, Timings value, string referenceName, Timings reference, string target, double minRatio, string notes) => new()
    {
        Group = group,
        Name = name,
        Value = Math.Round(bytes / value.Median / 1e6, 1),
        Unit = "MB/s",
        ReferenceName = referenceName,
        ReferenceValue = Math.Round(bytes / reference.Median / 1e6, 1),
        Target = target,
        MinRatio = minRatio,
        Notes = $"{bytes / 1048576} MiB, median of {value.Count}; best {bytes / value.Min / 1e6:0.0} vs {bytes / reference.Min / 1e6:0.0} MB/s. {notes}".Trim(),
    };

    public static async Task WriteAsync(string path, IReadOnlyList<BenchRow> rows, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(rows, JsonOptions) + "\n", ct).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await Console.Error.WriteLineAsync($"{row.Group}/{row.Name}: {row.Value} {row.Unit} vs {row.ReferenceName} {row.ReferenceValue} (x{row.Ratio})").ConfigureAwait(false);
        }
    }
}

/// <summary>Wall times of repeated runs of one operation, in seconds.</summary>
internal sealed class Timings
{
    private readonly List<double> seconds = [];

    public int Count => seconds.Count;
    public double Min => seconds.Min();

    public double Median
    {
        get
        {
            var sorted = seconds.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }

    public async Task MeasureAsync(Func<Task> operation)
    {
        var start = Stopwatch.GetTimestamp();
        await operation().ConfigureAwait(false);
        seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Writes <paramref name="bytes"/> of random data (incompressible, like a dataset) to <paramref name="path"/>.</summary>
    public static async Task WriteRandomFileAsync(string path, long bytes, CancellationToken ct)
    {
        var chunk = new byte[1 << 20];
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        await using var fileRelease = file.ConfigureAwait(false);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            RandomNumberGenerator.Fill(chunk);
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - written)), ct).ConfigureAwait(false);
        }
    }
}
