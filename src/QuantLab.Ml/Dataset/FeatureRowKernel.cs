namespace QuantLab.Ml.Dataset;

/// <summary>
/// Fills feature rows from the bars and the prefix sums <see cref="FeatureBuilder"/> prepared; any range of rows can be
/// filled on its own, which is what lets the builder split the rows across cores.
/// </summary>
internal sealed class FeatureRowKernel(
    BarSeries bars,
    int[] retWindows,
    int[] volWindows,
    int[] imbalanceWindows,
    int[] updateWindows,
    double[] squaredReturns,
    double[] imbalances,
    long[] updates,
    int warmup,
    int columns,
    float[] values)
{
    /// <summary>Writes rows [<paramref name="from"/>, <paramref name="to"/>) of the matrix.</summary>
    public void Fill(int from, int to)
    {
        ReadOnlySpan<double> logMid = bars.LogMid, mid = bars.Mid, bid = bars.BidPrice, ask = bars.AskPrice;
        ReadOnlySpan<double> bidQty = bars.BidQty, askQty = bars.AskQty;
        for (int row = from; row < to; row++)
        {
            int t = warmup + row;
            var dst = values.AsSpan(row * columns, columns);
            int c = 0;
            double lt = logMid[t];
            foreach (int w in retWindows)
            {
                dst[c++] = (float)(lt - logMid[t - w]);
            }

            foreach (int w in volWindows)
            {
                // Clamp: rounding could leave a tiny negative difference where the window is flat.
                dst[c++] = (float)Math.Sqrt(Math.Max(0.0, squaredReturns[t + 1] - squaredReturns[t + 1 - w]));
            }

            double m = mid[t];
            dst[c++] = (float)((ask[t] - bid[t]) / m * 1e4);
            dst[c++] = (float)FeatureBuilder.Imbalance(bidQty[t], askQty[t]);
            foreach (int w in imbalanceWindows)
            {
                dst[c++] = (float)((imbalances[t + 1] - imbalances[t + 1 - w]) / w);
            }

            dst[c++] = (float)((FeatureBuilder.Microprice(bid[t], bidQty[t], ask[t], askQty[t], m) - m) / m * 1e4);
            foreach (int w in updateWindows)
            {
                dst[c++] = updates[t + 1] - updates[t + 1 - w];
            }
        }
    }
}
