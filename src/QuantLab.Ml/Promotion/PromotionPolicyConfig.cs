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

    public const string Section = "Promotion";

    /// <summary>Throws <see cref="UsageException"/> naming the first value out of range.</summary>
    public void Validate() => Configuration.ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Promotion"); one line per key.</summary>
    internal void Rules(Configuration.ConfigRules r)
    {
        // 0 would let a model that always predicts flat through.
        r.Whole(nameof(MinDirectionalSamples), MinDirectionalSamples, 1, 10_000_000, "effective samples");
        r.Whole(nameof(MinTrades), MinTrades, 0, 10_000_000);
        r.Number(nameof(DirectionalSignificance), DirectionalSignificance, 0, 0.5, aboveMin: true, unit: "(one-sided p-value level, e.g. 0.05)");
        r.Number(nameof(MinProbabilisticSharpe), MinProbabilisticSharpe, 0, 0.999999, unit: "(probability; 0 turns the check off)");
        r.Fraction(nameof(MaxDrawdownCap), MaxDrawdownCap, aboveZero: true);

        // A negative improvement would promote a model worse than production.
        r.Number(nameof(MinDirectionalImprovement), MinDirectionalImprovement, 0, 0.499999);
        r.Number(nameof(MaxDrawdownVsProductionFactor), MaxDrawdownVsProductionFactor, 0, 100, aboveMin: true, unit: "(e.g. 1.1 = at most 10 % more drawdown than production)");
        r.Number(nameof(DrawdownVsProductionFloor), DrawdownVsProductionFloor, 0, double.IsFinite(MaxDrawdownCap) ? Math.Clamp(MaxDrawdownCap, 0, 1) : 1, unit: $"(at most {nameof(MaxDrawdownCap)})");
        r.Number(nameof(SharpeTolerance), SharpeTolerance, 0, 99.999, unit: "(annualized Sharpe shortfall allowed)");
        r.That(Enum.IsDefined(WhenChampionNotComparable), nameof(WhenChampionNotComparable), WhenChampionNotComparable, "Reject or AbsoluteRulesOnly");
        r.Whole(nameof(DeflatedSharpeMinTrials), DeflatedSharpeMinTrials, 1, 1_000_000, "candidates tried, this one included");
        r.Number(nameof(MinDeflatedSharpe), MinDeflatedSharpe, 0, 0.999999, unit: "(probability, e.g. 0.95)");
    }
}
