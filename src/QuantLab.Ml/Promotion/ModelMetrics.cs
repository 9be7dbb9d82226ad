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
    /// Hit rate of the directional calls (bars predicted up or down): a call is right when the forward return has its
    /// sign. Calls whose outcome fell in the dead band count too (they pay costs like any other); a return of exactly 0 is
    /// a miss. Null when the model made no call.
    /// </summary>
    public required double? DirectionalAccuracy { get; init; }

    /// <summary>Directional calls (bars predicted up or down), those with a flat outcome included.</summary>
    public required int NDirectional { get; init; }

    /// <summary>Directional calls whose outcome was flat (inside the dead band); counted in <see cref="NDirectional"/>.</summary>
    public int FlatOutcomeCalls { get; init; }

    /// <summary>Wilson 95 % interval of the hit rate on the effective sample (calls / horizon); [0, 1] when there are none.</summary>
    public required double DirectionalCiLow { get; init; }

    public required double DirectionalCiHigh { get; init; }

    /// <summary>Pesaran–Timmermann statistic of the calls (up vs down against went up or not) on the effective sample.</summary>
    public double? DirectionalPtStatistic { get; init; }

    /// <summary>One-sided p-value of the Pesaran–Timmermann test (1 when it cannot be computed).</summary>
    public double DirectionalPtPValue { get; init; } = 1;

    /// <summary>The hit rate calls independent of outcomes would score with the same up/down shares (the test's P*).</summary>
    public double? ExpectedHitRate { get; init; }

    public required ClassCounts PredictedClassCounts { get; init; }

    public required ClassCounts RealizedClassCounts { get; init; }

    /// <summary>Mean negative log probability of the realized class (probabilities clipped at 1e-15); null for the constant-class baseline, which has no probabilities.</summary>
    public required double? LogLoss { get; init; }

    /// <summary>What was scored: "model", or a baseline ("no_position", "imbalance_sign").</summary>
    public string Strategy { get; init; } = "model";

    /// <summary>First and last bar start of the test part (ISO UTC in JSON); null on older records.</summary>
    public TestWindow? TestWindow { get; init; }

    /// <summary>Compounded net return of the taker backtest over the test part (spread and fees paid).</summary>
    public required double TotalReturn { get; init; }

    /// <summary>Mean net return per bar, and its Newey–West standard error.</summary>
    public double MeanReturnPerBar { get; init; }

    public double MeanReturnPerBarSe { get; init; } = double.NaN;

    /// <summary>
    /// Sharpe ratio per bar (mean / standard deviation of the per-bar net returns; bar = <see cref="EvaluationConfig.BarSeconds"/>):
    /// the unit of the gate and every output. 0 when the returns do not vary; NaN on records written before it existed.
    /// </summary>
    public double SharpePerBar { get; init; } = double.NaN;

    /// <summary>Newey–West (HAC, lag <see cref="HacLag"/>) standard error of <see cref="SharpePerBar"/> (Lo 2002 delta method).</summary>
    public double SharpePerBarSe { get; init; } = double.NaN;

    /// <summary>The Newey–West lag used (≥ the horizon).</summary>
    public int HacLag { get; init; }

    /// <summary>PSR(0) with the HAC standard error: probability that the true per-bar Sharpe ratio is above 0.</summary>
    public double ProbabilisticSharpe { get; init; } = double.NaN;

    /// <summary>
    /// Annualized Sharpe ratio with Lo's (2002) serial-correlation correction, measured on <see cref="SpanSeconds"/> of
    /// data: for display only, always labelled; never gated on.
    /// </summary>
    public double SharpeAnnualizedLo { get; init; } = double.NaN;

    /// <summary>Seconds of per-bar returns the Sharpe ratios were measured on.</summary>
    public double SpanSeconds { get; init; }

    /// <summary>Skewness of the per-bar returns (population moments; 0 when they do not vary).</summary>
    public required double ReturnSkewness { get; init; }

    /// <summary>Raw (non-excess) kurtosis of the per-bar returns: 3 for a normal distribution and when they do not vary.</summary>
    public required double ReturnKurtosis { get; init; }

    /// <summary>Largest fall of equity from its running peak, as a fraction of that peak (≥ 0).</summary>
    public required double MaxDrawdown { get; init; }

    /// <summary>Position changes of the staggered books, including the final exits.</summary>
    public required int NTrades { get; init; }

    /// <summary>Sum of |portfolio position change| (1.0 = the whole capital traded once).</summary>
    public double Turnover { get; init; }

    /// <summary>Per-bar net returns in the backtest (test bars + horizon − 1).</summary>
    public required int NPeriods { get; init; }

    /// <summary>
    /// The backtest's per-bar net returns, for the paired test, charts and the trial ledger. Kept out of metrics.json (it
    /// can hold hundreds of thousands of values); empty on metrics read back from JSON.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<double> PeriodReturns { get; init; } = [];
}

/// <summary>The span of a test part: start of its first and of its last bar.</summary>
public sealed record TestWindow(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>True when the span covers a full day of bars (walk forward); false for an intra-day test part.</summary>
    public bool FullDay { get; init; }

    public double Hours => (To - From).TotalHours;

    /// <summary>The plain warning for a test window shorter than a day; null for a full-day walk-forward test.</summary>
    public static string? ShortNote(TestWindow? window) => window is { FullDay: false } w
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the test window is shorter than a day ({w.Hours:F1} h, intra-day split: one-day window or too little history); the model will trade whole days")
        : null;
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
