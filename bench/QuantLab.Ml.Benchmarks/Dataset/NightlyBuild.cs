using System.Diagnostics;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>The read and dataset build exactly as the nightly run does it (the calls JobPlanner.PlanAsync makes), with the default config.</summary>
internal static class NightlyBuild
{
    public static readonly DatasetConfig Config = new();

    /// <summary>Reads the files and writes dataset.npz into <paramref name="outDir"/>; returns the tick rows and the npz sha256.</summary>
    public static async Task<(int Rows, string Sha256)> RunAsync(IReadOnlyList<string> files, string outDir, CancellationToken ct)
    {
        var ticks = await CompactParquetReader.ReadAsync(files, ct);
        var built = DatasetBuilder.Build(ticks, Config, outDir, ct);
        return (ticks.Count, built.Sha256);
    }

    /// <summary>The same work phase by phase (the public phases DatasetBuilder.Build calls), each timed on its own.</summary>
    public static async Task<IReadOnlyList<(string Phase, double Seconds)>> RunPhasesAsync(IReadOnlyList<string> files, string outDir, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var phases = new List<(string, double)>();
        void Lap(string phase)
        {
            phases.Add((phase, clock.Elapsed.TotalSeconds));
            clock.Restart();
        }

        var ticks = await CompactParquetReader.ReadAsync(files, ct);
        Lap("read");
        var bars = BarBuilder.Build(ticks, Config.BarSeconds);
        Lap("bars");
        var features = FeatureBuilder.Build(bars, Config);
        Lap("features");
        var labels = LabelBuilder.Build(bars, Config);
        Lap("labels");
        var split = SplitPlan.Create(features.Rows, Config);
        DatasetBuilder.WriteNpz(Path.Combine(outDir, DatasetBuilder.FileName), features, labels, split);
        Lap("npz write");
        return phases;
    }
}
