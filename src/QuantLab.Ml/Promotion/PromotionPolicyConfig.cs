using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>Every threshold of the promotion policy; bound from configuration and validated once at start-up.</summary>
public sealed record PromotionPolicyConfig
{
    /// <summary>Fewest bars where both prediction and outcome are up/down; guards against models that (almost) always say flat.</summary>
    public int MinDirectionalSamples { get; init; } = 200;

    /// <summary>Fewest position changes in the backtest; a handful of trades proves nothing.</summary>
    public int MinTrades { get; init; } = 20;

    /// <summary>Require the Wilson 95 % lower bound of the directional accuracy to be above 0.5 (better than a coin).</summary>
    public bool RequireDirectionalAboveHalfByCi { get; init; } = true;

    /// <summary>Require a positive compounded backtest return after costs.</summary>
    public bool RequirePositiveReturn { get; init; } = true;

    /// <summary>Largest acceptable backtest drawdown, as a fraction of peak equity.</summary>
    public double MaxDrawdownCap { get; init; } = 0.25;

    /// <summary>Require total return and Sharpe ratio strictly above those of the constant-class baseline.</summary>
    public bool MustBeatBaseline { get; init; } = true;

    /// <summary>The candidate's directional accuracy must be strictly greater than production's plus this (default 0).</summary>
    public double MinDirectionalImprovement { get; init; }

    /// <summary>
    /// The candidate's drawdown may be at most this multiple of production's (see <see cref="DrawdownVsProductionFloor"/>).
    /// Not applied when production made fewer than <see cref="MinTrades"/> trades: its drawdown is then no benchmark.
    /// </summary>
    public double MaxDrawdownVsProductionFactor { get; init; } = 1.1;

    /// <summary>
    /// The relative drawdown limit is never below this fraction, so a production model that barely traded (drawdown near
    /// 0) cannot block every successor; <see cref="MaxDrawdownCap"/> still applies.
    /// </summary>
    public double DrawdownVsProductionFloor { get; init; } = 0.01;

    /// <summary>
    /// Require the candidate's Sharpe ratio to improve on production's: it must be strictly greater than production's
    /// minus <see cref="SharpeTolerance"/>. On by default, so a model that is more often right but earns worse risk-adjusted
    /// returns is not promoted.
    /// </summary>
    public bool RequireSharpeImprovement { get; init; } = true;

    /// <summary>How far (annualized) below production's Sharpe the candidate's may be and still pass; 0 means it must be strictly higher.</summary>
    public double SharpeTolerance { get; init; }

    /// <summary>Throws <see cref="UsageException"/> with an actionable message when a value is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new UsageException("promotion policy: " + message);
            }
        }

        Check(MinDirectionalSamples >= 1, $"min_directional_samples must be >= 1 (0 would let a model that always predicts flat through), got {MinDirectionalSamples}");
        Check(MinTrades >= 0, $"min_trades must be >= 0, got {MinTrades}");
        Check(MaxDrawdownCap is > 0 and <= 1, $"max_drawdown_cap must be a fraction of peak equity in (0, 1], e.g. 0.25, got {MaxDrawdownCap}");
        Check(MinDirectionalImprovement is >= 0 and < 0.5, $"min_directional_improvement must be in [0, 0.5) (a negative value would promote a model worse than production), got {MinDirectionalImprovement}");
        Check(MaxDrawdownVsProductionFactor is > 0 and <= 100, $"max_drawdown_vs_production_factor must be > 0, e.g. 1.1 for at most 10 % more drawdown than production, got {MaxDrawdownVsProductionFactor}");
        Check(DrawdownVsProductionFloor >= 0 && DrawdownVsProductionFloor <= MaxDrawdownCap, $"drawdown_vs_production_floor must be in [0, max_drawdown_cap = {MaxDrawdownCap}], got {DrawdownVsProductionFloor}");
        Check(SharpeTolerance is >= 0 and < 100, $"sharpe_tolerance must be >= 0 (the allowed shortfall of the annualized Sharpe ratio below production's), got {SharpeTolerance}");
    }
}
