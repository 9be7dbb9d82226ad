using System.Globalization;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>Resident memory of this process from /proc/self/status (Linux): the current set and its high-water mark.</summary>
internal static class ProcStatus
{
    /// <summary>VmRSS and VmHWM in bytes; null where /proc is not there.</summary>
    public static (long Rss, long PeakRss)? Read()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return (rss * 1024, peak * 1024);
    }

    // "VmHWM:\t  123456 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
}
