using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Pipeline;

/// <summary>evaluation.json of a candidate: every score the decision used, so `promote` can replay it later.</summary>
public sealed record EvaluationRecord
{
    public required ModelMetrics Candidate { get; init; }
    public required ModelMetrics Baseline { get; init; }

    /// <summary>The imbalance-sign baseline through the same execution; null on older records.</summary>
    public ModelMetrics? ImbalanceBaseline { get; init; }

    public ModelMetrics? ProductionSameWindow { get; init; }
    public ModelMetrics? ProductionStored { get; init; }

    /// <summary>The Diebold–Mariano test against the champion on the same bars (the per-bar returns are not stored, so `promote` replays this).</summary>
    public PairedTest? Paired { get; init; }

    /// <summary>The symbol's trials when this one was evaluated (N and the variance of their Sharpe ratios).</summary>
    public TrialStats? Trials { get; init; }

    public string? ProductionJobId { get; init; }
    public DateOnly? ProductionVersion { get; init; }
    public required EvaluationConfig Evaluation { get; init; }

    /// <summary>The champion as the gate saw it (how it was scored, or why it could not be); null when there was none or on older records.</summary>
    public ChampionScore? Champion { get; init; }

    /// <summary>Candidates of the symbol tried when this one was evaluated, this one included; only on records written before the trial ledger.</summary>
    public int? CandidatesTried { get; init; }

    /// <summary>The trials of this evaluation, from <see cref="Trials"/>, or the old candidate count on older records.</summary>
    public TrialStats TrialsOrLegacy() =>
        Trials ?? new TrialStats { Count = Math.Max(1, CandidatesTried ?? 1), SharpeVariance = 0 };
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

    /// <summary>Only on records written before the trial ledger; see <see cref="Promotion"/>.</summary>
    public int? CandidatesTried { get; init; }

    /// <summary>The trial count and the evidence summary of the gate, for readers who want the headline numbers.</summary>
    public PromotionSummary? Promotion { get; init; }

    public ModelMetrics? Candidate { get; init; }
    public ModelMetrics? Baseline { get; init; }
    public ModelMetrics? ImbalanceBaseline { get; init; }
    public DecisionProvenance? Provenance { get; init; }
}

/// <summary>The headline of a decision: trials counted, DSR, the test window and whether it was a full day.</summary>
public sealed record PromotionSummary
{
    /// <summary>Evaluations of a test window of this symbol so far, this one included.</summary>
    public required int Trials { get; init; }

    public required double DeflatedSharpe { get; init; }
    public TestWindow? TestWindow { get; init; }

    /// <summary>Said plainly when the test window is shorter than a day (intra-day split), null otherwise.</summary>
    public string? TestWindowNote { get; init; }

    public static PromotionSummary Of(PromotionDecision decision, ModelMetrics candidate)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(candidate);
        return new PromotionSummary
        {
            Trials = decision.Evidence?.Trials ?? 1,
            DeflatedSharpe = decision.Evidence?.DeflatedSharpe ?? double.NaN,
            TestWindow = candidate.TestWindow,
            TestWindowNote = TestWindow.ShortNote(candidate.TestWindow),
        };
    }
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
