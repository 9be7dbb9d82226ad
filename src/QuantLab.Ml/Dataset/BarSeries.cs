namespace QuantLab.Ml.Dataset;

/// <summary>Fixed-length bars as columns: the book as of each bar's end (carried forward into empty bars) and the bar's update count.</summary>
public sealed record BarSeries
{
    /// <summary>Start of bar 0 in Unix milliseconds, a multiple of <see cref="BarMs"/>.</summary>
    public required long FirstBarStartMs { get; init; }

    public required long BarMs { get; init; }

    public required double[] BidPrice { get; init; }
    public required double[] BidQty { get; init; }
    public required double[] AskPrice { get; init; }
    public required double[] AskQty { get; init; }

    /// <summary>(bid + ask) / 2 at the bar's end.</summary>
    public required double[] Mid { get; init; }

    /// <summary>ln(<see cref="Mid"/>), shared by returns, volatility and labels.</summary>
    public required double[] LogMid { get; init; }

    /// <summary>Ticks whose ts_event falls inside the bar.</summary>
    public required int[] Updates { get; init; }

    public int Count => Mid.Length;

    public long StartMs(int bar) => FirstBarStartMs + (bar * BarMs);
}
