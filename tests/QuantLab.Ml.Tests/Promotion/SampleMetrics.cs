using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>Hand-made metrics for policy tests; each test changes only the fields it is about.</summary>
internal static class SampleMetrics
{
    public static readonly EvaluationConfig Evaluation = new() { HorizonBars = 10, BarSeconds = 1, CostBps = 5 };

    /// <summary>
    /// A candidate that clears every default rule: 3000 directional calls (300 effective) with Pesaran–Timmermann p = 0.01,
    /// +5 % net, Sharpe 0.02 ± 0.005 per bar (PSR = Φ(4)), drawdown 4 %.
    /// </summary>
    public static ModelMetrics Good()
    {
        var ci = Statistics.WilsonInterval(168, 300);
        return new ModelMetrics
        {
            NTest = 10_000,
            Evaluation = Evaluation,
            Accuracy = 0.55,
            MajorityClass = PriceMove.Flat,
            MajorityClassRate = 0.5,
            DirectionalAccuracy = 0.56,
            NDirectional = 3_000,
            FlatOutcomeCalls = 600,
            DirectionalCiLow = ci.Low,
            DirectionalCiHigh = ci.High,
            DirectionalPtStatistic = 2.33,
            DirectionalPtPValue = 0.01,
            ExpectedHitRate = 0.5,
            PredictedClassCounts = new ClassCounts { Down = 1_500, Flat = 7_000, Up = 1_500 },
            RealizedClassCounts = new ClassCounts { Down = 2_500, Flat = 5_000, Up = 2_500 },
            LogLoss = 0.9,
            TotalReturn = 0.05,
            MeanReturnPerBar = 5e-6,
            MeanReturnPerBarSe = 1.25e-6,
            SharpePerBar = 0.02,
            SharpePerBarSe = 0.005,
            HacLag = 10,
            ProbabilisticSharpe = Statistics.NormalCdf(4),
            ReturnSkewness = 0,
            ReturnKurtosis = 3,
            MaxDrawdown = 0.04,
            NTrades = 400,
            NPeriods = 10_009,
        };
    }

    /// <summary>The no-position baseline on the same test part: no trades, no return.</summary>
    public static ModelMetrics AlwaysFlatBaseline() => Good() with
    {
        Strategy = "no_position",
        Accuracy = 0.5,
        DirectionalAccuracy = null,
        NDirectional = 0,
        FlatOutcomeCalls = 0,
        DirectionalCiLow = 0,
        DirectionalCiHigh = 1,
        DirectionalPtStatistic = null,
        DirectionalPtPValue = 1,
        PredictedClassCounts = new ClassCounts { Down = 0, Flat = 10_000, Up = 0 },
        LogLoss = null,
        TotalReturn = 0,
        MeanReturnPerBar = 0,
        SharpePerBar = 0,
        SharpePerBarSe = double.NaN,
        ProbabilisticSharpe = double.NaN,
        MaxDrawdown = 0,
        NTrades = 0,
    };

    /// <summary>A sound production model, a little worse than <see cref="Good"/> on every measure.</summary>
    public static ModelMetrics Production() => Good() with
    {
        DirectionalAccuracy = 0.54,
        TotalReturn = 0.03,
        MeanReturnPerBar = 3e-6,
        SharpePerBar = 0.012,
        ProbabilisticSharpe = Statistics.NormalCdf(2.4),
        MaxDrawdown = 0.05,
    };

    /// <summary>The policy with the first (point comparison) champion rule, for the tests of that rule.</summary>
    public static readonly PromotionPolicyConfig Seed = new() { ChampionRule = ChampionTest.Seed };
}
