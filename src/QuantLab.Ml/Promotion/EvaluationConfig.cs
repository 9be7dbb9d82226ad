using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// How a model's test predictions are turned into trades (see <see cref="Execution"/>): argmax class for the directional
/// statistics; for trading, the expected move from the class probabilities and each class's mean move on the validation
/// part, traded only when it pays the cost of the change. Every parameter is fixed before the test part is looked at.
/// </summary>
public sealed record EvaluationConfig
{
    /// <summary>
    /// The exchange fee in basis points per unit of position change (a long-to-short flip changes the position by 2 units),
    /// charged on top of the quoted half spread. The default, 5 bps, is the taker fee of Binance USDⓈ-M futures at the
    /// entry (VIP 0) tier, 0.0500 %.
    /// </summary>
    public double CostBps { get; init; } = DefaultTakerFeeBps;

    /// <summary>Binance USDⓈ-M futures' VIP 0 taker fee, 0.0500 %.</summary>
    public const double DefaultTakerFeeBps = 5.0;

    /// <summary>Pay the quoted spread (fill at the touch); false fills at the mid, only for the cost-sensitivity table.</summary>
    public bool IncludeSpread { get; init; } = true;

    /// <summary>Newey–West lag for standard errors; null means max(horizon, 4·(T/100)^(2/9)).</summary>
    public int? HacLag { get; init; }

    /// <summary>Label horizon in bars, from the dataset config: each of the H staggered books holds a position this long.</summary>
    public required int HorizonBars { get; init; }

    /// <summary>Bar length in seconds, from the dataset config: the unit of every per-bar figure.</summary>
    public required int BarSeconds { get; init; }

    /// <summary>Bars in a 365-day year (crypto trades every day); used only for the labelled annualized Sharpe ratio.</summary>
    public double BarsPerYear => 365.0 * 86_400 / BarSeconds;

    /// <summary>The evaluation of a dataset built with <paramref name="dataset"/>.</summary>
    public static EvaluationConfig For(DatasetConfig dataset, double costBps = DefaultTakerFeeBps)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new EvaluationConfig { HorizonBars = dataset.HorizonBars, BarSeconds = dataset.BarSeconds, CostBps = costBps };
    }

    /// <summary>The lag used for <paramref name="observations"/> per-bar returns.</summary>
    public int LagFor(int observations) => HacLag ?? SerialStatistics.DefaultLag(observations, HorizonBars);

    /// <summary>Throws <see cref="UsageException"/> with an actionable message when a value is out of range.</summary>
    public void Validate() => ConfigRules.Require("Evaluation", r =>
    {
        r.Number(nameof(CostBps), CostBps, 0, 10_000, unit: "bps per unit of position change");
        r.Rule(HorizonBars >= 1, $"horizon_bars = {HorizonBars}: must be >= 1 (take it from the dataset config)");
        r.Rule(BarSeconds >= 1, $"bar_seconds = {BarSeconds}: must be >= 1 (take it from the dataset config)");
        r.Rule(HacLag is null || HacLag >= HorizonBars, $"HacLag = {HacLag}: must be at least the horizon of {HorizonBars} bars (the books overlap that long)");
    });
}
