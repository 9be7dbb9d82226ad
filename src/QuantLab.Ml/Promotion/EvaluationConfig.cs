using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// How a model's test predictions are turned into decisions and a backtest. The decision rule is argmax: each bar's
/// predicted class is the one with the highest probability, and a tie for the highest probability is read as flat
/// (no position on an undecided call). There is deliberately no probability threshold yet, so no knob can be tuned on
/// the test part.
/// </summary>
public sealed record EvaluationConfig
{
    /// <summary>Cost in basis points per unit of position change (a long-to-short flip changes the position by 2 units).</summary>
    public double CostBps { get; init; } = 1.0;

    /// <summary>Label horizon in bars, from the dataset config: the backtest decides every this many bars.</summary>
    public required int HorizonBars { get; init; }

    /// <summary>Bar length in seconds, from the dataset config: with the horizon it annualizes the Sharpe ratio.</summary>
    public required int BarSeconds { get; init; }

    /// <summary>Backtest periods (one horizon each) in a 365-day year; crypto trades every day.</summary>
    public double PeriodsPerYear => 365.0 * 86_400 / ((double)HorizonBars * BarSeconds);

    /// <summary>The evaluation of a dataset built with <paramref name="dataset"/>.</summary>
    public static EvaluationConfig For(DatasetConfig dataset, double costBps = 1.0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new EvaluationConfig { HorizonBars = dataset.HorizonBars, BarSeconds = dataset.BarSeconds, CostBps = costBps };
    }

    /// <summary>Throws <see cref="UsageException"/> with an actionable message when a value is out of range.</summary>
    public void Validate() => Configuration.ConfigRules.Require("Evaluation", r =>
    {
        r.Number(nameof(CostBps), CostBps, 0, 10_000, unit: "bps per unit of position change");
        r.Rule(HorizonBars >= 1, $"horizon_bars = {HorizonBars}: must be >= 1 (take it from the dataset config)");
        r.Rule(BarSeconds >= 1, $"bar_seconds = {BarSeconds}: must be >= 1 (take it from the dataset config)");
    });
}
