using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Reporting;

/// <summary>
/// Everything a candidate's report shows, written beside it as report_data.json so the report can be rendered again
/// (with another renderer or after a fix) without the predictions or the trainer.
/// </summary>
public sealed record ReportData
{
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }
    public required string JobId { get; init; }
    public required DateTimeOffset GeneratedAt { get; init; }
    public required PromotionDecision Decision { get; init; }
    public required ModelMetrics Candidate { get; init; }
    public required ModelMetrics Baseline { get; init; }

    /// <summary>The imbalance-sign baseline through the same execution.</summary>
    public ModelMetrics? ImbalanceBaseline { get; init; }

    /// <summary>The paired Diebold–Mariano test against the champion on the same bars.</summary>
    public PairedTest? Paired { get; init; }

    /// <summary>Fee 0, ½×, 1×, 2× with and without the spread.</summary>
    public IReadOnlyList<CostScenario> Sensitivity { get; init; } = [];

    /// <summary>The champion as the gate saw it; its metrics are same-window only when it was comparable.</summary>
    public ChampionScore? Champion { get; init; }

    /// <summary>Start (Unix ms) of each chart period: the per-bar returns compounded over a few bars each, so a day fits a chart.</summary>
    public required IReadOnlyList<long> PeriodStartMs { get; init; }

    /// <summary>Net returns per chart period of the candidate, the baselines and (when scored on these bars) the champion.</summary>
    public required IReadOnlyList<double> CandidateReturns { get; init; }

    public required IReadOnlyList<double> BaselineReturns { get; init; }
    public IReadOnlyList<double>? ImbalanceReturns { get; init; }
    public IReadOnlyList<double>? ChampionReturns { get; init; }

    public required IReadOnlyList<CalibrationBin> Calibration { get; init; }

    /// <summary>Gain importance per feature, as the trainer reported it.</summary>
    public required IReadOnlyList<FeatureImportance> FeatureImportance { get; init; }

    /// <summary>Label → value lines for the report's footer (hashes, versions).</summary>
    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();
}

/// <summary>One bin of a reliability diagram: the predicted probability of a class against how often the class happened.</summary>
public sealed record CalibrationBin
{
    /// <summary>up or down.</summary>
    public required string Class { get; init; }

    public required double Low { get; init; }
    public required double High { get; init; }
    public required double MeanPredicted { get; init; }
    public required double ObservedRate { get; init; }
    public required int Count { get; init; }
}

/// <summary>A feature and its importance (average gain of the splits that use it).</summary>
public sealed record FeatureImportance(string Name, double Gain);
