using QuantLab.Ml.Common;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Promotion;

/// <summary>Whether the candidate model replaces production.</summary>
[JsonConverter(typeof(SnakeCaseNames<PromotionOutcome>))]
public enum PromotionOutcome
{
    Promoted,
    Rejected,
}

/// <summary>The policy's verdict on one candidate, with every check it made and the numbers behind them; written to promotion.json.</summary>
public sealed record PromotionDecision
{
    public required PromotionOutcome Decision { get; init; }

    /// <summary>Every check of the policy, in a fixed order, passed or not (skipped ones count as passed).</summary>
    public required IReadOnlyList<PolicyCheck> Checks { get; init; }

    /// <summary>The failing checks' reasons, most fundamental first; or one sentence summing up why the candidate was promoted.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Whether there was a champion (production model); without one only the absolute rules and the baseline apply.</summary>
    public required bool HadProduction { get; init; }

    /// <summary>The statistics the checks used (effective samples, p-value, PSR, DSR, trials); null on records written before they existed.</summary>
    public GateEvidence? Evidence { get; init; }

    /// <summary>The paired Diebold–Mariano test against the champion on the same bars; null without a comparable champion.</summary>
    public PairedTest? Paired { get; init; }

    [JsonIgnore]
    public bool IsPromoted => Decision == PromotionOutcome.Promoted;
}

/// <summary>One rule of the promotion policy applied to one candidate.</summary>
public sealed record PolicyCheck
{
    /// <summary>Stable snake_case identifier, e.g. directional_samples.</summary>
    public required string Name { get; init; }

    public required bool Passed { get; init; }

    /// <summary>True when the rule did not apply (turned off in the config, or no champion); it then counts as passed.</summary>
    public bool Skipped { get; init; }

    /// <summary>The candidate's value the rule looked at; null when skipped or when the candidate has none.</summary>
    public double? Observed { get; init; }

    /// <summary>The limit the observed value was compared with; null when skipped.</summary>
    public double? Threshold { get; init; }

    /// <summary>One sentence an operator can read: what was required and what was seen.</summary>
    public required string Reason { get; init; }
}

/// <summary>
/// The statistics behind a decision, so a reader can check every number. Effective counts divide by the label horizon H
/// and round down (n_eff = ⌊calls / H⌋), so a test never claims more evidence than there is.
/// </summary>
public sealed record GateEvidence
{
    public required int HorizonBars { get; init; }

    /// <summary>Directional calls (predicted up or down), those with a flat outcome included.</summary>
    public required int DirectionalSamples { get; init; }

    /// <summary>Calls whose outcome was flat (inside the dead band): they count, and pay costs like any other.</summary>
    public required int FlatOutcomeCalls { get; init; }

    public required int DirectionalHits { get; init; }
    public required int EffectiveDirectionalSamples { get; init; }

    /// <summary>Pesaran–Timmermann statistic and its one-sided p-value on the effective sample.</summary>
    public required double? PesaranTimmermann { get; init; }

    public required double DirectionalPValue { get; init; }

    /// <summary>The hit rate calls independent of the outcomes would score (P*).</summary>
    public required double? ExpectedHitRate { get; init; }

    /// <summary>Wilson 95 % interval of the hit rate on the effective sample.</summary>
    public required double EffectiveCiLow { get; init; }

    public required double EffectiveCiHigh { get; init; }

    /// <summary>PSR(0) with the Newey–West standard error of the per-bar Sharpe ratio.</summary>
    public required double ProbabilisticSharpe { get; init; }

    public required double SharpePerBar { get; init; }
    public required double SharpePerBarSe { get; init; }
    public required int HacLag { get; init; }
    public required int Periods { get; init; }
    public required double Skewness { get; init; }
    public required double Kurtosis { get; init; }

    /// <summary>Trials of this symbol so far (every evaluation of a test window), this one included: the N of the deflated Sharpe ratio.</summary>
    public required int Trials { get; init; }

    /// <summary>Variance of the trials' per-bar Sharpe estimates (Bailey and López de Prado 2014's V).</summary>
    public required double SharpeVariance { get; init; }

    /// <summary>The per-bar Sharpe the best of <see cref="Trials"/> worthless trials would be expected to show.</summary>
    public required double ExpectedMaxSharpe { get; init; }

    /// <summary>PSR against <see cref="ExpectedMaxSharpe"/>: the deflated Sharpe ratio; equals PSR with one trial.</summary>
    public required double DeflatedSharpe { get; init; }
}
