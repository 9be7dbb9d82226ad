using QuantLab.Ml.Data;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>Synthetic BTCUSDT compact days written by the project's own sample writer, in the production layout and schema.</summary>
internal static class SyntheticWindow
{
    /// <summary>About 500,000 BBO updates over a 24 h day: the size of a real BTCUSDT day as the issue states it.</summary>
    public const double UpdatesPerSecond = 500_000.0 / 86_400.0;

    public static readonly DateOnly FirstDay = new(2026, 1, 5);

    /// <summary>Writes <paramref name="days"/> consecutive days under <paramref name="root"/>; returns their data.parquet paths in date order.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string root, int days, CancellationToken ct)
    {
        var result = await SampleDataWriter.WriteAsync(root, Options(days), ct);
        return [.. result.Partitions.Select(p => Path.Combine(root, p.Key.Replace('/', Path.DirectorySeparatorChar)))];
    }

    /// <summary>The options behind the files, also used by the micro-benchmarks to generate the same day in memory.</summary>
    public static SampleOptions Options(int days) => new()
    {
        Symbol = "btcusdt",
        From = FirstDay,
        Days = days,
        Rate = UpdatesPerSecond,
        Seed = 1,
    };
}
