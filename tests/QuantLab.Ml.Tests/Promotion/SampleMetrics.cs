using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>Hand-made metrics for policy tests; each test changes only the fields it is about.</summary>
internal static class SampleMetrics
{
    public static readonly EvaluationConfig Evaluation = new() { HorizonBars = 10, BarSeconds = 1, CostBps = 1 };

    /// <summary>
    /// A candidate that clears every default rule: 56 % right on 3000 directional bars (300 effective, p ≈ 0.02), +5 %,
    /// Sharpe 3, drawdown 4 %. The per-period Sharpe (what PSR reads) is set on its own, high enough for PSR ≈ 0.999.
    /// </summary>
    public static ModelMetrics Good()
    {
        var ci = Statistics.WilsonInterval(1_680, 3_000);
        return new ModelMetrics
        {
            NTest = 10_000,
            Evaluation = Evaluation,
            Accuracy = 0.55,
            MajorityClass = PriceMove.Flat,
            MajorityClassRate = 0.5,
            DirectionalAccuracy = 0.56,
            NDirectional = 3_000,
            DirectionalCiLow = ci.Low,
            DirectionalCiHigh = ci.High,
            PredictedClassCounts = new ClassCounts { Down = 2_500, Flat = 5_000, Up = 2_500 },
            RealizedClassCounts = new ClassCounts { Down = 2_500, Flat = 5_000, Up = 2_500 },
            LogLoss = 0.9,
            TotalReturn = 0.05,
            Sharpe = 3.0,
            SharpePerPeriod = 0.1,
            ReturnSkewness = 0,
            ReturnKurtosis = 3,
            MaxDrawdown = 0.04,
            NTrades = 400,
            NPeriods = 1_000,
        };
    }

    /// <summary>The dummy that always says flat on the same test part: no trades, no return.</summary>
    public static ModelMetrics AlwaysFlatBaseline() => Good() with
    {
        Accuracy = 0.5,
        DirectionalAccuracy = null,
        NDirectional = 0,
        DirectionalCiLow = 0,
        DirectionalCiHigh = 1,
        PredictedClassCounts = new ClassCounts { Down = 0, Flat = 10_000, Up = 0 },
        LogLoss = null,
        TotalReturn = 0,
        Sharpe = 0,
        SharpePerPeriod = 0,
        MaxDrawdown = 0,
        NTrades = 0,
    };

    /// <summary>A sound production model, a little worse than <see cref="Good"/> on every measure.</summary>
    public static ModelMetrics Production() => Good() with
    {
        DirectionalAccuracy = 0.54,
        TotalReturn = 0.03,
        Sharpe = 2.0,
        MaxDrawdown = 0.05,
    };
}
