namespace QuantLab.Ml.Dataset;

/// <summary>Phase 3: labels each usable bar by its forward mid log return over the horizon.</summary>
public static class LabelBuilder
{
    /// <summary>Labels bars [warm-up, bars - horizon), the same rows <see cref="FeatureBuilder.Build"/> returns.</summary>
    public static LabelSet Build(BarSeries bars, DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(config);
        int warmup = FeatureBuilder.WarmupBars(config);
        int rows = FeatureBuilder.UsableRows(bars.Count, config);
        int horizon = config.HorizonBars;
        double deadBand = DeadBand(config);
        var classes = GC.AllocateUninitializedArray<int>(rows);
        var forward = GC.AllocateUninitializedArray<double>(rows);
        ReadOnlySpan<double> logMid = bars.LogMid;
        for (int row = 0; row < rows; row++)
        {
            int t = warmup + row;
            double r = logMid[t + horizon] - logMid[t];
            forward[row] = r;
            classes[row] = Classify(r, deadBand);
        }

        return new LabelSet { FirstBar = warmup, Classes = classes, ForwardReturns = forward };
    }

    /// <summary>The dead band in log-return units (basis points × 1e-4).</summary>
    public static double DeadBand(DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.DeadBandBps * 1e-4;
    }

    /// <summary>
    /// 0 (down) when r &lt; -band, 2 (up) when r &gt; +band, else 1 (flat). A return exactly on the band is flat:
    /// a move of exactly the band is not worth trading, and with a band of 0 an unchanged mid stays flat.
    /// </summary>
    public static int Classify(double forwardReturn, double deadBand)
    {
        if (forwardReturn > deadBand)
        {
            return LabelSet.Up;
        }

        return forwardReturn < -deadBand ? LabelSet.Down : LabelSet.Flat;
    }
}
