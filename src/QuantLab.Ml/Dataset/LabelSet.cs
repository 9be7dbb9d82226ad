namespace QuantLab.Ml.Dataset;

/// <summary>Label class and forward log return of every usable bar, aligned row for row with <see cref="FeatureMatrix"/>.</summary>
public sealed record LabelSet
{
    /// <summary>Class 0 down, 1 flat, 2 up.</summary>
    public const int Down = 0;
    public const int Flat = 1;
    public const int Up = 2;

    /// <summary>Bar index of row 0 (the warm-up length).</summary>
    public required int FirstBar { get; init; }

    public required int[] Classes { get; init; }

    /// <summary>ln(mid[t + horizon]) - ln(mid[t]) for the row's bar t.</summary>
    public required double[] ForwardReturns { get; init; }

    public int Rows => Classes.Length;
}
