namespace QuantLab.Ml.Dataset;

/// <summary>Every choice of bars, features, labels and splits; recorded in the job spec and part of its hash.</summary>
public sealed record DatasetConfig
{
    /// <summary>Bar length in seconds; the book is carried forward into empty bars.</summary>
    public int BarSeconds { get; set; } = 1;

    /// <summary>Log mid return look-backs, in bars.</summary>
    public IReadOnlyList<int> ReturnWindows { get; set; } = [1, 5, 15, 60, 300];

    /// <summary>Realized volatility windows, in bars.</summary>
    public IReadOnlyList<int> VolatilityWindows { get; set; } = [10, 60, 300];

    /// <summary>Windows of the mean top-of-book imbalance, in bars.</summary>
    public IReadOnlyList<int> ImbalanceMeanWindows { get; set; } = [10, 60];

    /// <summary>Windows of the update counts, in bars.</summary>
    public IReadOnlyList<int> UpdateCountWindows { get; set; } = [10, 60];

    /// <summary>Label horizon in bars: the forward mid log return over this many bars.</summary>
    public int HorizonBars { get; set; } = 10;

    /// <summary>Dead band in basis points: |forward return| at or below it is "flat".</summary>
    public double DeadBandBps { get; set; } = 0.5;

    public double TrainFraction { get; set; } = 0.70;
    public double ValidFraction { get; set; } = 0.15;
    public double TestFraction { get; set; } = 0.15;

    /// <summary>Bars dropped between parts; null means one horizon, so no label window crosses a boundary.</summary>
    public int? EmbargoBars { get; set; }

    public int EffectiveEmbargoBars => EmbargoBars ?? HorizonBars;

    /// <summary>Longest look-back window accepted (over 11 days of 1 s bars).</summary>
    public const int MaxWindowBars = 1_000_000;

    /// <summary>Throws <see cref="Common.UsageException"/> with an actionable message when a value is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new Common.UsageException("dataset config: " + message);
            }
        }

        Check(BarSeconds is >= 1 and <= 3600, $"bar_seconds must be 1..3600, got {BarSeconds}");
        Check(HorizonBars is >= 1 and <= 100_000, $"horizon_bars must be 1..100000, got {HorizonBars}");
        Check(DeadBandBps is >= 0 and < 10_000, $"dead_band_bps must be >= 0, got {DeadBandBps}");

        // JSON can still bind null to these lists.
        if (ReturnWindows is null || VolatilityWindows is null || ImbalanceMeanWindows is null || UpdateCountWindows is null)
        {
            throw new Common.UsageException("dataset config: return_windows, volatility_windows, imbalance_mean_windows and update_count_windows must be lists (use [] for none)");
        }

        Check(ReturnWindows.Count > 0 && ReturnWindows.All(w => w is >= 1 and <= MaxWindowBars), "return_windows must be bar counts in 1..1000000");
        Check(VolatilityWindows.All(w => w is >= 2 and <= MaxWindowBars), "volatility_windows must be bar counts in 2..1000000");
        Check(ImbalanceMeanWindows.All(w => w is >= 1 and <= MaxWindowBars), "imbalance_mean_windows must be bar counts in 1..1000000");
        Check(UpdateCountWindows.All(w => w is >= 1 and <= MaxWindowBars), "update_count_windows must be bar counts in 1..1000000");

        // Each window becomes a feature name (ret_5, vol_60, ...); a repeat would give the trainer two columns of one name.
        Check(ReturnWindows.Distinct().Count() == ReturnWindows.Count, "return_windows must not repeat a window");
        Check(VolatilityWindows.Distinct().Count() == VolatilityWindows.Count, "volatility_windows must not repeat a window");
        Check(ImbalanceMeanWindows.Distinct().Count() == ImbalanceMeanWindows.Count, "imbalance_mean_windows must not repeat a window");
        Check(UpdateCountWindows.Distinct().Count() == UpdateCountWindows.Count, "update_count_windows must not repeat a window");
        Check(TrainFraction > 0 && ValidFraction > 0 && TestFraction > 0, "split fractions must all be > 0");
        Check(Math.Abs(TrainFraction + ValidFraction + TestFraction - 1.0) < 1e-9, "split fractions must add up to 1");
        Check(EmbargoBars is null or (>= 0 and <= 100_000), "embargo_bars must be 0..100000");
    }
}
