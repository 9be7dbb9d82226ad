using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>What the gate does when the champion cannot be re-scored on the candidate's test window.</summary>
public enum IncomparableChampionRule
{
    /// <summary>Reject the candidate and say so: replacing the champion blindly is an operator's call (promote --force).</summary>
    Reject,

    /// <summary>Judge the candidate on the absolute rules alone, as if there were no champion.</summary>
    AbsoluteRulesOnly,
}

/// <summary>Every threshold of the promotion gate; bound from configuration and validated once at start-up.</summary>
public sealed record PromotionPolicyConfig
{
    /// <summary>
    /// Fewest effective directional samples: bars where both prediction and outcome are up/down, divided by the label
    /// horizon H and rounded down (a label spans H bars, so neighbouring labels share most of their outcome). Guards
    /// against models that (almost) always say flat. 100 is about 1,000 scored bars at H = 10.
    /// </summary>
    public int MinDirectionalSamples { get; set; } = 100;

    /// <summary>Fewest position changes in the backtest; a handful of trades proves nothing.</summary>
    public int MinTrades { get; set; } = 20;

    /// <summary>Require the one-sided exact binomial test of "directional accuracy > 0.5" on the effective sample to pass at <see cref="DirectionalSignificance"/>.</summary>
    public bool RequireDirectionalSignificance { get; set; } = true;

    /// <summary>Largest one-sided p-value of the directional binomial test that still counts as evidence (default 5 %).</summary>
    public double DirectionalSignificance { get; set; } = 0.05;

    /// <summary>
    /// Require the directional accuracy to be above the share of the more common realized direction (what always
    /// predicting up, or always down, would score), so a trending test window cannot pass for skill.
    /// </summary>
    public bool RequireAboveMajorityDirection { get; set; } = true;

    /// <summary>Require a positive compounded backtest return after costs.</summary>
    public bool RequirePositiveReturn { get; set; } = true;

    /// <summary>Smallest probabilistic Sharpe ratio PSR(0) of the net-of-cost period returns; 0 turns the check off.</summary>
    public double MinProbabilisticSharpe { get; set; } = 0.95;

    /// <summary>Largest acceptable backtest drawdown, as a fraction of peak equity.</summary>
    public double MaxDrawdownCap { get; set; } = 0.25;

    /// <summary>Require total return and Sharpe ratio strictly above those of the constant-class baseline.</summary>
    public bool MustBeatBaseline { get; set; } = true;

    /// <summary>The candidate's directional accuracy must be strictly greater than the champion's plus this.</summary>
    public double MinDirectionalImprovement { get; set; } = 0.005;

    /// <summary>
    /// The candidate's drawdown may be at most this multiple of the champion's (see <see cref="DrawdownVsProductionFloor"/>).
    /// Not applied when the champion made fewer than <see cref="MinTrades"/> trades: its drawdown is then no benchmark.
    /// </summary>
    public double MaxDrawdownVsProductionFactor { get; set; } = 1.1;

    /// <summary>
    /// The relative drawdown limit is never below this fraction, so a champion that barely traded (drawdown near 0)
    /// cannot block every successor; <see cref="MaxDrawdownCap"/> still applies.
    /// </summary>
    public double DrawdownVsProductionFloor { get; set; } = 0.01;

    /// <summary>
    /// Require the candidate's Sharpe ratio not to fall below the champion's by more than <see cref="SharpeTolerance"/>
    /// (strictly greater than champion − tolerance), so a model that is more often right but earns worse risk-adjusted
    /// returns is not promoted.
    /// </summary>
    public bool RequireSharpeImprovement { get; set; } = true;

    /// <summary>How far (annualized) below the champion's Sharpe the candidate's may be and still pass; 0 means it must be strictly higher.</summary>
    public double SharpeTolerance { get; set; }

    /// <summary>What to do when the champion could not be re-scored on the candidate's test window.</summary>
    public IncomparableChampionRule WhenChampionNotComparable { get; set; } = IncomparableChampionRule.Reject;

    /// <summary>
    /// Gate on the deflated Sharpe ratio once <see cref="DeflatedSharpeMinTrials"/> candidates of the symbol have been
    /// tried; it is always computed and reported.
    /// </summary>
    public bool RequireDeflatedSharpe { get; set; } = true;

    /// <summary>Candidates tried (this one included) from which the deflated Sharpe ratio gates.</summary>
    public int DeflatedSharpeMinTrials { get; set; } = 20;

    /// <summary>Smallest deflated Sharpe ratio when it gates.</summary>
    public double MinDeflatedSharpe { get; set; } = 0.95;

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

        Check(MinDirectionalSamples >= 1, $"min_directional_samples must be >= 1 effective samples (0 would let a model that always predicts flat through), got {MinDirectionalSamples}");
        Check(MinTrades >= 0, $"min_trades must be >= 0, got {MinTrades}");
        Check(DirectionalSignificance is > 0 and < 0.5, $"directional_significance must be a one-sided p-value level in (0, 0.5), e.g. 0.05, got {DirectionalSignificance}");
        Check(MinProbabilisticSharpe is >= 0 and < 1, $"min_probabilistic_sharpe must be a probability in [0, 1), e.g. 0.95 (0 turns the check off), got {MinProbabilisticSharpe}");
        Check(MaxDrawdownCap is > 0 and <= 1, $"max_drawdown_cap must be a fraction of peak equity in (0, 1], e.g. 0.25, got {MaxDrawdownCap}");
        Check(MinDirectionalImprovement is >= 0 and < 0.5, $"min_directional_improvement must be in [0, 0.5) (a negative value would promote a model worse than production), got {MinDirectionalImprovement}");
        Check(MaxDrawdownVsProductionFactor is > 0 and <= 100, $"max_drawdown_vs_production_factor must be > 0, e.g. 1.1 for at most 10 % more drawdown than production, got {MaxDrawdownVsProductionFactor}");
        Check(DrawdownVsProductionFloor >= 0 && DrawdownVsProductionFloor <= MaxDrawdownCap, $"drawdown_vs_production_floor must be in [0, max_drawdown_cap = {MaxDrawdownCap}], got {DrawdownVsProductionFloor}");
        Check(SharpeTolerance is >= 0 and < 100, $"sharpe_tolerance must be >= 0 (the allowed shortfall of the annualized Sharpe ratio below production's), got {SharpeTolerance}");
        Check(Enum.IsDefined(WhenChampionNotComparable), $"when_champion_not_comparable must be Reject or AbsoluteRulesOnly, got {WhenChampionNotComparable}");
        Check(DeflatedSharpeMinTrials >= 1, $"deflated_sharpe_min_trials must be >= 1 (candidates tried, this one included), got {DeflatedSharpeMinTrials}");
        Check(MinDeflatedSharpe is >= 0 and < 1, $"min_deflated_sharpe must be a probability in [0, 1), e.g. 0.95, got {MinDeflatedSharpe}");
    }
}
