using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>What the gate does when the champion cannot be re-scored on the candidate's test window.</summary>
[JsonConverter(typeof(SnakeCaseNames<IncomparableChampionRule>))]
public enum IncomparableChampionRule
{
    /// <summary>Reject the candidate and say so: replacing the champion blindly is an operator's call (promote --force).</summary>
    Reject,

    /// <summary>Judge the candidate on the absolute rules alone, as if there were no champion.</summary>
    AbsoluteRulesOnly,
}

/// <summary>How the candidate is compared with a champion scored on the same bars.</summary>
[JsonConverter(typeof(SnakeCaseNames<ChampionTest>))]
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

    public const string Section = "Promotion";

    /// <summary>Throws <see cref="UsageException"/> naming the first value out of range.</summary>
    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Promotion"); one line per key.</summary>
    internal void Rules(ConfigRules r)
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
        r.Number(nameof(SharpeTolerance), SharpeTolerance, 0, 0.999999, unit: "(shortfall of the per-bar Sharpe ratio below production's allowed, e.g. 0.005)");
        r.That(Enum.IsDefined(ChampionRule), nameof(ChampionRule), ChampionRule, "Paired or Seed");
        r.Number(nameof(ChampionSignificance), ChampionSignificance, 0, 0.5, aboveMin: true, unit: "(one-sided p-value level, e.g. 0.05)");
        r.That(Enum.IsDefined(WhenChampionNotComparable), nameof(WhenChampionNotComparable), WhenChampionNotComparable, "Reject or AbsoluteRulesOnly");
        r.Whole(nameof(DeflatedSharpeMinTrials), DeflatedSharpeMinTrials, 1, 1_000_000, "candidates tried, this one included");
        r.Number(nameof(MinDeflatedSharpe), MinDeflatedSharpe, 0, 0.999999, unit: "(probability, e.g. 0.95)");
    }
}
