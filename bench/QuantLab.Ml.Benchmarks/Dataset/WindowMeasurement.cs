using System.Globalization;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// Measures one window of days. The nightly build is one cold process, so each timed run is too: a fresh child process per
/// run (its JIT included, the runtime's own start excluded), the bare decode and the full build interleaved so that a noisy
/// neighbour slows both alike. The same children report their peak memory. The phases are then timed warm, in this process.
/// </summary>
internal static class WindowMeasurement
{
    private const double MiB = 1024 * 1024;

    public static async Task<IReadOnlyList<BenchRow>> MeasureAsync(int days, IReadOnlyList<string> files, string workDir, int repeat, CancellationToken ct)
    {
        var label = days == 1 ? "1 day" : $"{days} days";

        // One untimed pair first, so that every timed run finds the files in the page cache.
        await ChildRun.MeasureAsync(ChildRun.Decode, workDir, files, ct);
        await ChildRun.MeasureAsync(ChildRun.Build, workDir, files, ct);
        var decodes = new List<ChildRun.Result>();
        var builds = new List<ChildRun.Result>();
        for (var i = 0; i < repeat; i++)
        {
            decodes.Add(await ChildRun.MeasureAsync(ChildRun.Decode, workDir, files, ct));
            builds.Add(await ChildRun.MeasureAsync(ChildRun.Build, workDir, files, ct));
        }

        var rows = builds[0].Rows;
        var result = new List<BenchRow> { TimeRow(label, files.Count, rows, decodes, builds, repeat) };
        result.AddRange(await PhasesAsync(label, files, workDir, repeat, ct));
        result.Add(MemoryRow(label, rows, decodes, builds, repeat));
        return result;
    }

    private static BenchRow TimeRow(string label, int fileCount, long rows, List<ChildRun.Result> decodes, List<ChildRun.Result> builds, int repeat)
    {
        var decode = new Timing([.. decodes.Select(r => r.Seconds)]);
        var build = new Timing([.. builds.Select(r => r.Seconds)]);
        var shas = builds.Select(r => r.Sha256).Distinct(StringComparer.Ordinal).Count();
        var ratio = build.Median / decode.Median;
        return new BenchRow("dataset", $"{label} build vs decode", rows / build.Median, "rows/s", "Parquet.Net decode", rows / decode.Median,
            ratio, "<= 2.0x time", ratio <= 2.0,
            Invariant($"{rows:N0} rows in {fileCount} file(s); cold child process per run, median of {repeat} ")
            + Invariant($"(min: build {build.Min:0.000} s, decode {decode.Min:0.000} s, ratio {build.Min / decode.Min:0.00}x); ")
            + Invariant($"build GC pauses {builds.Select(r => r.GcPauseSeconds).Order().ElementAt(repeat / 2) * 1000:0.0} ms (median); ")
            + (shas == 1 ? "same dataset sha256 every run" : $"{shas} different dataset sha256 values across runs!"));
    }

    private static BenchRow MemoryRow(string label, long rows, List<ChildRun.Result> decodes, List<ChildRun.Result> builds, int repeat)
    {
        var build = Median(builds);
        var decode = Median(decodes);
        var columns = DecodeFloor.ColumnBytes(rows);
        var ratio = build.PeakGrowth / (double)columns;
        return new BenchRow("dataset", $"{label} build peak memory", build.PeakGrowth / MiB, "MiB", "decoded column bytes", columns / MiB,
            ratio, "< 3.0x", ratio < 3.0,
            Invariant($"peak RSS (VmHWM) of each cold build process minus its RSS before the build, median of {repeat}. ")
            + Invariant($"Absolute VmHWM {build.PeakRss / MiB:0} MiB over a start RSS of {build.StartRss / MiB:0} MiB; managed allocations {build.AllocatedBytes / MiB:0} MiB; ")
            + Invariant($"{build.FullCollections} full GCs. The bare decode grows by {decode.PeakGrowth / MiB:0} MiB ({decode.PeakGrowth / (double)columns:0.00}x), allocating {decode.AllocatedBytes / MiB:0} MiB."));
    }

    private static async Task<IEnumerable<BenchRow>> PhasesAsync(string label, IReadOnlyList<string> files, string workDir, int repeat, CancellationToken ct)
    {
        // Warm-up, then repeat; each phase's min over the runs.
        await NightlyBuild.RunPhasesAsync(files, workDir, ct);
        var laps = new List<IReadOnlyList<(string Phase, double Seconds)>>();
        for (var i = 0; i < repeat; i++)
        {
            // Each run starts with an empty heap, so one run does not pay for the garbage of the one before.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            laps.Add(await NightlyBuild.RunPhasesAsync(files, workDir, ct));
        }

        var mins = laps[0].Select((lap, p) => (lap.Phase, Seconds: laps.Min(l => l[p].Seconds))).ToList();
        var total = mins.Sum(m => m.Seconds);
        return mins.Select(m => new BenchRow("dataset", $"{label} phase: {m.Phase}", m.Seconds * 1000, "ms", "sum of phases", total * 1000,
            m.Seconds / total, BenchRow.Informative, null, Invariant($"warm, in one process; min of {repeat}; ratio = share of the sum")));
    }

    private static ChildRun.Result Median(List<ChildRun.Result> runs) => runs.OrderBy(r => r.PeakGrowth).ElementAt(runs.Count / 2);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
