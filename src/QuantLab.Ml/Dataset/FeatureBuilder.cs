using System.Globalization;

namespace QuantLab.Ml.Dataset;

/// <summary>Phase 2: computes the features of every usable bar from that bar and earlier bars only.</summary>
/// <remarks>
/// Rolling windows are differences of prefix sums, so each feature costs O(1) per bar whatever its window.
/// A window of w bars ending at bar t covers bars t-w+1..t; ret_w and vol_w both span the w one-bar returns ending at t.
/// </remarks>
public static class FeatureBuilder
{
    /// <summary>Rows filled by one parallel task: large enough that scheduling costs nothing next to the work (about 0.5 ms).</summary>
    private const int RowsPerBlock = 16_384;

    /// <summary>Feature names in column order, generated from the configured windows.</summary>
    public static IReadOnlyList<string> Names(DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = new List<string>();
        names.AddRange(config.ReturnWindows.Select(w => Name("ret", w)));
        names.AddRange(config.VolatilityWindows.Select(w => Name("vol", w)));
        names.Add("spread_bps");
        names.Add("imbalance");
        names.AddRange(config.ImbalanceMeanWindows.Select(w => Name("imbalance_mean", w)));
        names.Add("microprice_minus_mid_bps");
        names.AddRange(config.UpdateCountWindows.Select(w => Name("updates", w)));
        return names;
    }

    /// <summary>
    /// Bars dropped at the start: the first bar whose longest look-back is complete. ret_w and vol_w need bar t-w;
    /// window means and sums over w bars need bar t-w+1.
    /// </summary>
    public static int WarmupBars(DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int warmup = 0;
        warmup = Math.Max(warmup, config.ReturnWindows.DefaultIfEmpty(0).Max());
        warmup = Math.Max(warmup, config.VolatilityWindows.DefaultIfEmpty(0).Max());
        warmup = Math.Max(warmup, config.ImbalanceMeanWindows.DefaultIfEmpty(1).Max() - 1);
        warmup = Math.Max(warmup, config.UpdateCountWindows.DefaultIfEmpty(1).Max() - 1);
        return warmup;
    }

    /// <summary>Rows that have both a full look-back and a full label horizon (0 when the series is too short).</summary>
    public static int UsableRows(int bars, DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Math.Max(0, bars - WarmupBars(config) - config.HorizonBars);
    }

    /// <summary>Features of bars [warm-up, bars - horizon): exactly the rows that also get a label.</summary>
    public static FeatureMatrix Build(BarSeries bars, DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(config);
        var names = Names(config);
        int warmup = WarmupBars(config);
        int rows = UsableRows(bars.Count, config);
        int columns = names.Count;
        long cells = (long)rows * columns;
        if (cells > Array.MaxLength)
        {
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture, $"{rows} rows x {columns} features is too large for one matrix"));
        }

        // Fill writes every cell.
        var values = GC.AllocateUninitializedArray<float>((int)cells);
        if (rows > 0)
        {
            Fill(bars, config, warmup, rows, columns, values);
        }

        return new FeatureMatrix { Names = names, FirstBar = warmup, Rows = rows, Values = values };
    }

    private static void Fill(BarSeries bars, DatasetConfig config, int warmup, int rows, int columns, float[] values)
    {
        int[] retWindows = [.. config.ReturnWindows];
        int[] volWindows = [.. config.VolatilityWindows];
        int[] imbalanceWindows = [.. config.ImbalanceMeanWindows];
        int[] updateWindows = [.. config.UpdateCountWindows];

        // Prefix sums up to the last row's bar only: sum over bars [a, b] = prefix[b + 1] - prefix[a].
        int end = warmup + rows;
        var squaredReturns = GC.AllocateUninitializedArray<double>(end + 1);
        var imbalances = GC.AllocateUninitializedArray<double>(end + 1);
        var updates = GC.AllocateUninitializedArray<long>(end + 1);
        squaredReturns[0] = 0;
        imbalances[0] = 0;
        updates[0] = 0;
        ReadOnlySpan<double> logMid = bars.LogMid;
        ReadOnlySpan<double> bidQty = bars.BidQty, askQty = bars.AskQty;
        ReadOnlySpan<int> updateCounts = bars.Updates;
        for (int t = 0; t < end; t++)
        {
            double r = t == 0 ? 0 : logMid[t] - logMid[t - 1];
            squaredReturns[t + 1] = squaredReturns[t] + (r * r);
            imbalances[t + 1] = imbalances[t] + Imbalance(bidQty[t], askQty[t]);
            updates[t + 1] = updates[t] + updateCounts[t];
        }

        var kernel = new FeatureRowKernel(bars, retWindows, volWindows, imbalanceWindows, updateWindows, squaredReturns, imbalances, updates, warmup, columns, values);
        int blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
        if (blocks == 1)
        {
            kernel.Fill(0, rows);
        }
        else
        {
            // Rows depend only on the prefix sums above, never on each other, so blocks of them go to every core;
            // each block writes its own rows and computes every cell exactly as a single pass would.
            Parallel.For(0, blocks, b => kernel.Fill(b * RowsPerBlock, Math.Min(rows, (b + 1) * RowsPerBlock)));
        }
    }

    /// <summary>(bid_qty - ask_qty) / (bid_qty + ask_qty); 0 when both sides are empty.</summary>
    public static double Imbalance(double bidQty, double askQty)
    {
        double total = bidQty + askQty;
        return total > 0 ? (bidQty - askQty) / total : 0.0;
    }

    /// <summary>Size-weighted mid (bid·ask_qty + ask·bid_qty) / (bid_qty + ask_qty); the plain mid when both sides are empty.</summary>
    public static double Microprice(double bid, double bidQty, double ask, double askQty, double mid)
    {
        double total = bidQty + askQty;
        return total > 0 ? ((bid * askQty) + (ask * bidQty)) / total : mid;
    }

    private static string Name(string prefix, int window) => string.Create(CultureInfo.InvariantCulture, $"{prefix}_{window}");
}
