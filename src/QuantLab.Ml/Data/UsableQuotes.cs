namespace QuantLab.Ml.Data;

/// <summary>
/// Which BBO rows describe a real book: both prices and sizes positive and finite, and the bid below the ask. The data
/// check counts the others and the reader drops them, with the same rule, so what is counted is what is not trained on.
/// </summary>
public static class UsableQuotes
{
    /// <summary>"!(x &gt; 0)" also catches NaN.</summary>
    public static bool HasUsablePrices(double bidPrice, double askPrice) =>
        bidPrice > 0 && askPrice > 0 && double.IsFinite(bidPrice) && double.IsFinite(askPrice);

    public static bool HasUsableSizes(double bidQty, double askQty) =>
        bidQty > 0 && askQty > 0 && double.IsFinite(bidQty) && double.IsFinite(askQty);

    /// <summary>Bid at or above ask (crossed or locked): no real single-venue book looks like that.</summary>
    public static bool IsCrossed(double bidPrice, double askPrice) => bidPrice >= askPrice;

    public static bool IsUsable(double bidPrice, double bidQty, double askPrice, double askQty) =>
        HasUsablePrices(bidPrice, askPrice) && HasUsableSizes(bidQty, askQty) && !IsCrossed(bidPrice, askPrice);

    /// <summary>The rows of <paramref name="columns"/> that are usable; the same instance when all are.</summary>
    public static BboColumns DropUnusable(BboColumns columns, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var n = columns.Count;
        var keep = 0;
        for (var i = 0; i < n; i++)
        {
            if (IsUsable(columns.BidPrice[i], columns.BidQty[i], columns.AskPrice[i], columns.AskQty[i]))
            {
                keep++;
            }
        }

        dropped = n - keep;
        if (dropped == 0)
        {
            return columns;
        }

        var result = new BboColumns
        {
            TsEvent = new long[keep],
            Seq = new long[keep],
            BidPrice = new double[keep],
            BidQty = new double[keep],
            AskPrice = new double[keep],
            AskQty = new double[keep],
        };
        var j = 0;
        for (var i = 0; i < n; i++)
        {
            if (IsUsable(columns.BidPrice[i], columns.BidQty[i], columns.AskPrice[i], columns.AskQty[i]))
            {
                result.TsEvent[j] = columns.TsEvent[i];
                result.Seq[j] = columns.Seq[i];
                result.BidPrice[j] = columns.BidPrice[i];
                result.BidQty[j] = columns.BidQty[i];
                result.AskPrice[j] = columns.AskPrice[i];
                result.AskQty[j] = columns.AskQty[i];
                j++;
            }
        }

        return result;
    }
}
