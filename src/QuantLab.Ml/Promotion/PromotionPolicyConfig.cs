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

/// <summary>How the candidate is compared with a champion scored on the same bars.</summary>
public enum ChampionTest
{
    /// <summary>Diebold–Mariano on the per-bar net P&amp;L difference: significantly better, or the champion is stale (fails the absolute checks).</summary>
    Paired,

    /// <summary>The first rule: directional accuracy up by a margin, drawdown at most 1.1× production's, Sharpe up (same bars).</summary>
    Seed,
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

    /// <summary>Require the Pesaran–Timmermann test of directional predictability on the effective sample to pass at <see cref="DirectionalSignificance"/>.</summary>
    public bool RequireDirectionalSignificance { get; set; } = true;

    /// <summary>Largest one-sided p-value of the Pesaran–Timmermann test that still counts as evidence (default 5 %).</summary>
    public double DirectionalSignificance { get; set; } = 0.05;

    /// <summary>Require a positive compounded backtest return after costs.</summary>
    public bool RequirePositiveReturn { get; set; } = true;

    /// <summary>Smallest PSR(0) of the per-bar net returns (Newey–West standard error); 0 turns the check off. Also the false-promotion level a pure-noise candidate faces: 1 − this.</summary>
    public double MinProbabilisticSharpe { get; set; } = 0.95;

    /// <summary>Largest acceptable backtest drawdown, as a fraction of peak equity.</summary>
    public double MaxDrawdownCap { get; set; } = 0.25;

    /// <summary>Require mean net return and Sharpe ratio strictly above both baselines' (no position; imbalance sign) through the same execution.</summary>
    public bool MustBeatBaseline { get; set; } = true;

    /// <summary>How a comparable champion is beaten: Paired (default, Diebold–Mariano) or Seed (the first point-comparison rule).</summary>
    public ChampionTest ChampionRule { get; set; } = ChampionTest.Paired;

    /// <summary>Largest one-sided Diebold–Mariano p-value of "candidate earns more than the champion" under the Paired rule.</summary>
    public double ChampionSignificance { get; set; } = 0.05;

    /// <summary>Seed rule: the candidate's directional accuracy must be strictly greater than the champion's plus this.</summary>
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

    /// <summary>Seed rule: how far below the champion's per-bar Sharpe ratio the candidate's may be and still pass; 0 means it must be strictly higher.</summary>
    public double SharpeTolerance { get; set; }

    /// <summary>What to do when the champion could not be re-scored on the candidate's test window.</summary>
    public IncomparableChampionRule WhenChampionNotComparable { get; set; } = IncomparableChampionRule.Reject;

    /// <summary>
    /// Gate on the deflated Sharpe ratio over the symbol's trial ledger (every evaluation of a test window) once
    /// <see cref="DeflatedSharpeMinTrials"/> trials were made (default: from the first, where it equals PSR).
    /// </summary>
    public bool RequireDeflatedSharpe { get; set; } = true;

    /// <summary>Trials (this one included) from which the deflated Sharpe ratio gates.</summary>
    public int DeflatedSharpeMinTrials { get; set; } = 1;

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
        Check(SharpeTolerance is >= 0 and < 1, $"sharpe_tolerance must be in [0, 1) (the allowed shortfall of the per-bar Sharpe ratio below production's, e.g. 0.005), got {SharpeTolerance}");
        Check(Enum.IsDefined(ChampionRule), $"champion_rule must be Paired or Seed, got {ChampionRule}");
        Check(ChampionSignificance is > 0 and < 0.5, $"champion_significance must be a one-sided p-value level in (0, 0.5), e.g. 0.05, got {ChampionSignificance}");
        Check(Enum.IsDefined(WhenChampionNotComparable), $"when_champion_not_comparable must be Reject or AbsoluteRulesOnly, got {WhenChampionNotComparable}");
        Check(DeflatedSharpeMinTrials >= 1, $"deflated_sharpe_min_trials must be >= 1 (trials, this one included), got {DeflatedSharpeMinTrials}");
        Check(MinDeflatedSharpe is >= 0 and < 1, $"min_deflated_sharpe must be a probability in [0, 1), e.g. 0.95, got {MinDeflatedSharpe}");
    }
}
