namespace QuantLab.Ml.Dataset;

/// <summary>Rows [Start, Start + Count) of the usable rows.</summary>
public readonly record struct RowRange(int Start, int Count)
{
    /// <summary>One past the last row.</summary>
    public int End => Start + Count;
}
