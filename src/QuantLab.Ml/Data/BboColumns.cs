namespace QuantLab.Ml.Data;

/// <summary>BBO updates of one or more compact days as plain columns, ordered by (ts_event, seq), duplicates at day seams removed.</summary>
public sealed record BboColumns
{
    public required long[] TsEvent { get; init; }
    public required long[] Seq { get; init; }
    public required double[] BidPrice { get; init; }
    public required double[] BidQty { get; init; }
    public required double[] AskPrice { get; init; }
    public required double[] AskQty { get; init; }

    public int Count => TsEvent.Length;
}
