namespace QuantLab.Ml.Dataset;

/// <summary>A float32 matrix read from an NPY file, row-major.</summary>
public sealed record Float32Matrix
{
    public required int Rows { get; init; }
    public required int Columns { get; init; }

    /// <summary>Rows × Columns values, row after row.</summary>
    public required float[] Values { get; init; }

    public float this[int row, int column] => Values[(row * Columns) + column];

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);
}
