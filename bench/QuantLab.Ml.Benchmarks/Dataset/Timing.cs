namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>Wall-clock seconds of repeated runs of one thing; min is the least disturbed run, median the typical one.</summary>
internal sealed record Timing(IReadOnlyList<double> Seconds)
{
    public double Min => Seconds.Min();

    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}
