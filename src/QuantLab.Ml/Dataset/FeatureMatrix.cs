namespace QuantLab.Ml.Dataset;

/// <summary>Feature rows in C order (row-major float32), one row per usable bar starting at bar <see cref="FirstBar"/>.</summary>
public sealed record FeatureMatrix
{
    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>Bar index of row 0 (the warm-up length).</summary>
    public required int FirstBar { get; init; }

    public required int Rows { get; init; }

    /// <summary>Rows × Names.Count values, row after row.</summary>
    public required float[] Values { get; init; }

    public int Columns => Names.Count;

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    /// <summary>Rows [start, start + count) as one contiguous span, ready to be written without a copy.</summary>
    public ReadOnlySpan<float> RowSpan(int start, int count) => Values.AsSpan(start * Columns, count * Columns);
}
