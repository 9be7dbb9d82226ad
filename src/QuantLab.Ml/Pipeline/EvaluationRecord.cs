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

    /// <summary>The champion as the gate saw it (how it was scored, or why it could not be); null when there was none or on older records.</summary>
    public ChampionScore? Champion { get; init; }

    /// <summary>Candidates of the symbol tried when this one was evaluated, this one included; null on older records (read as 1).</summary>
    public int? CandidatesTried { get; init; }
}

/// <summary>
/// promotion.json of a candidate: the decision with every check, number and threshold, the policy, the champion and how it
/// was scored, the inputs' hashes and the versions of code and data, so the decision can be replayed and audited.
/// </summary>
public sealed record DecisionRecord
{
    public required string CandidateJobId { get; init; }
    public string? ProductionJobId { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public required bool Forced { get; init; }
    public required PromotionDecision Decision { get; init; }
    public required PromotionPolicyConfig Policy { get; init; }

    /// <summary>The champion with its same-window metrics (or why there are none).</summary>
    public ChampionScore? Champion { get; init; }

    public int? CandidatesTried { get; init; }
    public ModelMetrics? Candidate { get; init; }
    public ModelMetrics? Baseline { get; init; }
    public DecisionProvenance? Provenance { get; init; }
}

/// <summary>What a decision was computed from: sha256 of every input file and the versions of code, trainer and data.</summary>
public sealed record DecisionProvenance
{
    /// <summary>quantlab-ml's informational version (with the git commit it was built from).</summary>
    public required string QuantlabMlVersion { get; init; }

    public string? TrainerVersion { get; init; }
    public string? XgboostVersion { get; init; }
    public required string ConfigHash { get; init; }
    public required string DatasetSha256 { get; init; }

    /// <summary>sha256 of the test labels and forward returns the orchestrator kept (never seen by the trainer).</summary>
    public required string TestLabelsSha256 { get; init; }

    /// <summary>Data partition key → sha256 of its data.parquet.</summary>
    public required IReadOnlyDictionary<string, string> Data { get; init; }

    /// <summary>Input file name → sha256 (model.bin, predictions.npy, predictions_production.npy, production model and data).</summary>
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }
}
