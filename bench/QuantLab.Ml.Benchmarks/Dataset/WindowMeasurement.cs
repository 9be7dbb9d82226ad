using System.Diagnostics;
using System.Globalization;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// Measures one window of days: the bare Parquet.Net decode against the full read + build (timed in this process, the two
/// interleaved so that a noisy neighbour slows both alike), the build's phases, and the build's peak memory in child processes.
/// </summary>
internal static class WindowMeasurement
{
    private const int MemoryRuns = 3;
    private const double MiB = 1024 * 1024;

    public static async Task<IReadOnlyList<BenchRow>> MeasureAsync(int days, IReadOnlyList<string> files, string workDir, int repeat, CancellationToken ct)
    {
        var label = days == 1 ? "1 day" : $"{days} days";

        // One untimed round first: JIT and file cache warm for both sides.
        var rows = await DecodeFloor.DecodeAsync(files, ct);
        var (_, firstSha) = await NightlyBuild.RunAsync(files, workDir, ct);
        var decode = new List<double>();
        var build = new List<double>();
        var shas = new HashSet<string>(StringComparer.Ordinal) { firstSha };
        for (var i = 0; i < repeat; i++)
        {
            decode.Add(await TimeAsync(() => DecodeFloor.DecodeAsync(files, ct)));
            build.Add(await TimeAsync(async () => shas.Add((await NightlyBuild.RunAsync(files, workDir, ct)).Sha256)));
        }

        var decodeTime = new Timing(decode);
        var buildTime = new Timing(build);
        var result = new List<BenchRow>
        {
            new("dataset", $"{label} build vs decode", rows / buildTime.Median, "rows/s", "Parquet.Net decode", rows / decodeTime.Median,
                buildTime.Median / decodeTime.Median, "<= 2.0x time", buildTime.Median / decodeTime.Median <= 2.0,
                Invariant($"{rows:N0} rows in {files.Count} file(s); median of {repeat} (min: build {buildTime.Min:0.000} s, decode {decodeTime.Min:0.000} s, ratio {buildTime.Min / decodeTime.Min:0.00}x); ")
                + (shas.Count == 1 ? "same dataset sha256 every run" : $"{shas.Count} different dataset sha256 values across runs!")),
        };
        result.AddRange(await PhasesAsync(label, files, workDir, repeat, buildTime, ct));
        result.Add(await PeakMemoryAsync(label, files, workDir, rows, ct));
        return result;
    }

    private static async Task<IEnumerable<BenchRow>> PhasesAsync(string label, IReadOnlyList<string> files, string workDir, int repeat, Timing build, CancellationToken ct)
    {
        var laps = new List<IReadOnlyList<(string Phase, double Seconds)>>();
        for (var i = 0; i < repeat; i++)
        {
            Collect();
            laps.Add(await NightlyBuild.RunPhasesAsync(files, workDir, ct));
        }

        return laps[0].Select((lap, p) =>
        {
            var min = laps.Min(l => l[p].Seconds);
            return new BenchRow("dataset", $"{label} phase: {lap.Phase}", min * 1000, "ms", "whole build (min)", build.Min * 1000,
                min / build.Min, BenchRow.Informative, null, Invariant($"min of {repeat}; share of the whole build's min time"));
        });
    }

    private static async Task<BenchRow> PeakMemoryAsync(string label, IReadOnlyList<string> files, string workDir, long rows, CancellationToken ct)
    {
        var builds = new List<ChildRun.Result>();
        var decodes = new List<ChildRun.Result>();
        for (var i = 0; i < MemoryRuns; i++)
        {
            builds.Add(await ChildRun.MeasureAsync(ChildRun.Build, workDir, files, ct));
            decodes.Add(await ChildRun.MeasureAsync(ChildRun.Decode, workDir, files, ct));
        }

        var build = Median(builds);
        var decode = Median(decodes);
        var columns = DecodeFloor.ColumnBytes(rows);
        var ratio = build.PeakGrowth / (double)columns;
        return new BenchRow("dataset", $"{label} build peak memory", build.PeakGrowth / MiB, "MiB", "decoded column bytes", columns / MiB,
            ratio, "< 3.0x", ratio < 3.0,
            Invariant($"peak RSS (VmHWM) of a fresh child process running one cold build, minus its RSS before the build; median of {MemoryRuns}. ")
            + Invariant($"Absolute VmHWM {build.PeakRss / MiB:0} MiB over a start RSS of {build.StartRss / MiB:0} MiB; managed allocations {build.AllocatedBytes / MiB:0} MiB; ")
            + Invariant($"{build.FullCollections} full GCs pausing {build.GcPauseSeconds * 1000:0.0} ms of a {build.Seconds * 1000:0} ms cold run. ")
            + Invariant($"The bare decode grows by {decode.PeakGrowth / MiB:0} MiB ({decode.PeakGrowth / (double)columns:0.00}x), allocating {decode.AllocatedBytes / MiB:0} MiB."));
    }

    private static ChildRun.Result Median(List<ChildRun.Result> runs) => runs.OrderBy(r => r.PeakGrowth).ElementAt(runs.Count / 2);

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        Collect();
        var clock = Stopwatch.StartNew();
        await work();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Starts each timed run with an empty heap, so one run does not pay for the garbage of the one before.</summary>
    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
