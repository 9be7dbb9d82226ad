using System.Text.Json.Serialization;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// Out-of-sample metrics of one model on the test part, computed by the orchestrator (never by the trainer); written to
/// metrics.json. All returns are fractions (0.01 = 1 %); the backtest is described on <see cref="MetricsCalculator"/>.
/// </summary>
public sealed record ModelMetrics
{
    /// <summary>Test rows (bars) evaluated.</summary>
    public required int NTest { get; init; }

    /// <summary>The settings the metrics were computed with; metrics are only comparable when these match.</summary>
    public required EvaluationConfig Evaluation { get; init; }

    /// <summary>3-class accuracy. Misleading alone: a model that always says flat scores the flat share.</summary>
    public required double Accuracy { get; init; }

    /// <summary>The most common realized class in the test labels (ties go to the lowest class number).</summary>
    public required PriceMove MajorityClass { get; init; }

    public required double MajorityClassRate { get; init; }

    /// <summary>
    /// Hit rate on the bars where both the prediction and the realized label are up or down. Null when there is no such
    /// bar (<see cref="NDirectional"/> = 0): the model made no directional call that could be scored, which is not the same
    /// as being wrong every time.
    /// </summary>
    public required double? DirectionalAccuracy { get; init; }

    /// <summary>Bars where both the prediction and the realized label are non-flat.</summary>
    public required int NDirectional { get; init; }

    /// <summary>Wilson 95 % interval of the directional accuracy on <see cref="NDirectional"/> bars; [0, 1] when there are none.</summary>
    public required double DirectionalCiLow { get; init; }

    public required double DirectionalCiHigh { get; init; }

    public required ClassCounts PredictedClassCounts { get; init; }

    public required ClassCounts RealizedClassCounts { get; init; }

    /// <summary>Mean negative log probability of the realized class (probabilities clipped at 1e-15); null for the constant-class baseline, which has no probabilities.</summary>
    public required double? LogLoss { get; init; }

    /// <summary>Compounded return of the backtest over the test part, after costs.</summary>
    public required double TotalReturn { get; init; }

    /// <summary>Annualized Sharpe ratio: mean / sample standard deviation of the period returns × sqrt(periods per year); 0 when the returns do not vary.</summary>
    public required double Sharpe { get; init; }

    /// <summary>The same Sharpe ratio before annualization, as the probabilistic and deflated Sharpe ratios need it.</summary>
    public required double SharpePerPeriod { get; init; }

    /// <summary>Skewness of the period returns (population moments; 0 when they do not vary).</summary>
    public required double ReturnSkewness { get; init; }

    /// <summary>Raw (non-excess) kurtosis of the period returns: 3 for a normal distribution and when they do not vary.</summary>
    public required double ReturnKurtosis { get; init; }

    /// <summary>Largest fall of equity from its running peak, as a fraction of that peak (≥ 0).</summary>
    public required double MaxDrawdown { get; init; }

    /// <summary>Position changes, including the entry from flat and the final exit to flat.</summary>
    public required int NTrades { get; init; }

    /// <summary>Backtest periods: decisions at bars 0, H, 2H, … of the test part.</summary>
    public required int NPeriods { get; init; }

    /// <summary>
    /// The backtest's per-period returns after costs, for the probabilistic Sharpe ratio and equity-curve charts. Kept out
    /// of metrics.json (it can hold hundreds of thousands of values); empty on metrics read back from JSON.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<double> PeriodReturns { get; init; } = [];
}

/// <summary>How many bars fall in each class.</summary>
public sealed record ClassCounts
{
    public required int Down { get; init; }
    public required int Flat { get; init; }
    public required int Up { get; init; }

    [JsonIgnore]
    public int Total => Down + Flat + Up;

    /// <summary>The count of one class.</summary>
    public int this[PriceMove move] => move switch
    {
        PriceMove.Down => Down,
        PriceMove.Flat => Flat,
        PriceMove.Up => Up,
        _ => throw new ArgumentOutOfRangeException(nameof(move), move, "unknown class"),
    };
}
