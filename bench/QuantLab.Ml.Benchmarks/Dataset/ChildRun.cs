using System.Diagnostics;
using System.Text.Json;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// Runs one decode or one build in a fresh process of this program, as the nightly run does it once: its time includes
/// the JIT of that work, and its peak resident memory (VmHWM) belongs to that single cold run, not to the parent's leftovers.
/// </summary>
internal static class ChildRun
{
    public const string Verb = "child";
    public const string Build = "build";
    public const string Decode = "decode";

    /// <summary>What the child reports: its resident memory before the work and at its peak, what it allocated and its GC pauses.</summary>
    public sealed record Result(long Rows, long StartRss, long PeakRss, long AllocatedBytes, double Seconds, double GcPauseSeconds, int FullCollections, string? Sha256)
    {
        /// <summary>Resident memory the work added on top of the idle runtime.</summary>
        public long PeakGrowth => PeakRss - StartRss;
    }

    /// <summary>Child side: <c>child build|decode &lt;out dir&gt; &lt;file&gt;...</c>; prints one JSON <see cref="Result"/>.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        if (args.Length < 3 || args[0] is not (Build or Decode))
        {
            await Console.Error.WriteLineAsync("usage: child build|decode <out dir> <file>...");
            return 2;
        }

        var start = ProcStatus.Read() ?? throw new PlatformNotSupportedException("peak memory is read from /proc/self/status (Linux only)");
        var files = args[2..];
        var clock = Stopwatch.StartNew();
        long rows;
        string? sha256 = null;
        if (args[0] == Build)
        {
            (var built, sha256) = await NightlyBuild.RunAsync(files, args[1], ct);
            rows = built;
        }
        else
        {
            rows = await DecodeFloor.DecodeAsync(files, ct);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var end = ProcStatus.Read()!.Value;
        var result = new Result(rows, start.Rss, end.PeakRss, GC.GetTotalAllocatedBytes(precise: true), seconds,
            GC.GetTotalPauseDuration().TotalSeconds, GC.CollectionCount(2), sha256);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>Parent side: starts the child and returns what it reported.</summary>
    public static async Task<Result> MeasureAsync(string mode, string outDir, IReadOnlyList<string> files, CancellationToken ct)
    {
        var start = SelfStartInfo();
        foreach (var arg in new[] { Verb, mode, outDir }.Concat(files))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the child benchmark process");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child {mode} exited with {process.ExitCode}: {await stderr}");
        }

        var lastLine = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonSerializer.Deserialize<Result>(lastLine) ?? throw new InvalidOperationException("child printed no result");
    }

    /// <summary>This program again: its apphost, or `dotnet &lt;dll&gt;` when it was started that way.</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildRun).Assembly.Location);
        }

        return start;
    }
}
