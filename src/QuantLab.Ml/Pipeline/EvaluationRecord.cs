using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Pipeline;

/// <summary>evaluation.json of a candidate: every score the decision used, so `promote` can replay it later.</summary>
public sealed record EvaluationRecord
{
    public required ModelMetrics Candidate { get; init; }
    public required ModelMetrics Baseline { get; init; }
    public ModelMetrics? ProductionSameWindow { get; init; }
    public ModelMetrics? ProductionStored { get; init; }
    public string? ProductionJobId { get; init; }
    public DateOnly? ProductionVersion { get; init; }
    public required EvaluationConfig Evaluation { get; init; }
}

/// <summary>promotion.json of a candidate: the decision with its checks, the policy and who/when.</summary>
public sealed record DecisionRecord
{
    public required string CandidateJobId { get; init; }
    public string? ProductionJobId { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public required bool Forced { get; init; }
    public required PromotionDecision Decision { get; init; }
    public required PromotionPolicyConfig Policy { get; init; }
}
