using QuantLab.Ml.Common;

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

    public const string Section = "Dataset";

    /// <summary>Throws <see cref="Common.UsageException"/> naming the first value out of range.</summary>
    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Dataset"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Whole(nameof(BarSeconds), BarSeconds, 1, 3600, "s");
        r.Whole(nameof(HorizonBars), HorizonBars, 1, 100_000, "bars");
        r.Number(nameof(DeadBandBps), DeadBandBps, 0, 10_000, unit: "bps");
        Windows(r, nameof(ReturnWindows), ReturnWindows, 1, required: true);
        Windows(r, nameof(VolatilityWindows), VolatilityWindows, 2, required: false);
        Windows(r, nameof(ImbalanceMeanWindows), ImbalanceMeanWindows, 1, required: false);
        Windows(r, nameof(UpdateCountWindows), UpdateCountWindows, 1, required: false);
        r.Fraction(nameof(TrainFraction), TrainFraction, aboveZero: true);
        r.Fraction(nameof(ValidFraction), ValidFraction, aboveZero: true);
        r.Fraction(nameof(TestFraction), TestFraction, aboveZero: true);
        r.Rule(Math.Abs(TrainFraction + ValidFraction + TestFraction - 1.0) < 1e-9,
            $"{nameof(TrainFraction)} + {nameof(ValidFraction)} + {nameof(TestFraction)} = {TrainFraction + ValidFraction + TestFraction}: must add up to 1");
        r.Whole(nameof(EmbargoBars), EmbargoBars, 0, 100_000, "bars (unset = one horizon)");
    }

    // Each window becomes a feature name (ret_5, vol_60, ...); a repeat would give the trainer two columns of one name.
    private static void Windows(ConfigRules r, string name, IReadOnlyList<int>? windows, int min, bool required)
    {
        var allowed = $"{(required ? "a non-empty" : "a")} list of distinct bar counts in {min}..{MaxWindowBars}";
        var ok = windows is not null && (!required || windows.Count > 0) && windows.All(w => w >= min && w <= MaxWindowBars) && windows.Distinct().Count() == windows.Count;
        r.That(ok, name, windows is null ? null : "[" + string.Join(",", windows) + "]", allowed);
    }
}
