using System.Text.Json.Serialization;

namespace QuantLab.Ml.Promotion;

/// <summary>Whether the candidate model replaces production.</summary>
public enum PromotionOutcome
{
    Promoted,
    Rejected,
}

/// <summary>The policy's verdict on one candidate, with every check it made; written to promotion.json.</summary>
public sealed record PromotionDecision
{
    public required PromotionOutcome Decision { get; init; }

    /// <summary>Every check of the policy, in a fixed order, passed or not (skipped ones count as passed).</summary>
    public required IReadOnlyList<PolicyCheck> Checks { get; init; }

    /// <summary>The failing checks' reasons, most fundamental first; or one sentence summing up why the candidate was promoted.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Whether a production model was compared against; without one only the absolute rules and the baseline apply.</summary>
    public required bool HadProduction { get; init; }

    [JsonIgnore]
    public bool IsPromoted => Decision == PromotionOutcome.Promoted;
}

/// <summary>One rule of the promotion policy applied to one candidate.</summary>
public sealed record PolicyCheck
{
    /// <summary>Stable snake_case identifier, e.g. directional_samples.</summary>
    public required string Name { get; init; }

    public required bool Passed { get; init; }

    /// <summary>True when the rule did not apply (turned off in the config, or no production model); it then counts as passed.</summary>
    public bool Skipped { get; init; }

    /// <summary>The candidate's value the rule looked at; null when skipped or when the candidate has none.</summary>
    public double? Observed { get; init; }

    /// <summary>The limit the observed value was compared with; null when skipped.</summary>
    public double? Threshold { get; init; }

    /// <summary>One sentence an operator can read: what was required and what was seen.</summary>
    public required string Reason { get; init; }
}
