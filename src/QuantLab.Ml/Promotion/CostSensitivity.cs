namespace QuantLab.Ml.Promotion;

/// <summary>The model's (and champion's) net result under one cost setting; the trading threshold follows the cost.</summary>
public sealed record CostScenario
{
    /// <summary>Fee as a multiple of the configured one (0, 0.5, 1, 2).</summary>
    public required double FeeMultiple { get; init; }

    public required double FeeBps { get; init; }
    public required bool Spread { get; init; }
    public required double TotalReturn { get; init; }
    public required double SharpePerBar { get; init; }
    public required double ProbabilisticSharpe { get; init; }
    public required int Trades { get; init; }
    public double? ChampionTotalReturn { get; init; }
}

/// <summary>The cost-sensitivity table of the report: fee 0, ½×, 1×, 2× the configured one, with and without the spread.</summary>
public static class CostSensitivity
{
    public static IReadOnlyList<double> FeeMultiples { get; } = [0, 0.5, 1, 2];

    public static IReadOnlyList<CostScenario> Compute(float[] probabilities, float[]? champion, EvaluationWindow window, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(config);
        var rows = new List<CostScenario>();
        foreach (var spread in (bool[])[true, false])
        {
            foreach (var multiple in FeeMultiples)
            {
                var at = config with { CostBps = config.CostBps * multiple, IncludeSpread = spread };
                var m = MetricsCalculator.Compute(probabilities, window, at);
                rows.Add(new CostScenario
                {
                    FeeMultiple = multiple,
                    FeeBps = at.CostBps,
                    Spread = spread,
                    TotalReturn = m.TotalReturn,
                    SharpePerBar = m.SharpePerBar,
                    ProbabilisticSharpe = m.ProbabilisticSharpe,
                    Trades = m.NTrades,
                    ChampionTotalReturn = champion is null ? null : MetricsCalculator.Compute(champion, window, at).TotalReturn,
                });
            }
        }

        return rows;
    }
}
