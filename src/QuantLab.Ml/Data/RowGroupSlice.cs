namespace QuantLab.Ml.Data;

/// <summary>One row group of one file and the rows [<see cref="Offset"/>, Offset + <see cref="Rows"/>) it fills in the joined columns.</summary>
internal sealed record RowGroupSlice(string Path, int RowGroup, int Offset, int Rows);
