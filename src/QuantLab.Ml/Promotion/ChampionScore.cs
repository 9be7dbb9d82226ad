using System.Text.Json.Serialization;

namespace QuantLab.Ml.Promotion;

/// <summary>How the champion (the production model) was scored for the comparison with a candidate.</summary>
public enum ChampionComparison
{
    /// <summary>Re-scored on the candidate's test window with the candidate's test features (same feature configuration).</summary>
    SameFeatures,

    /// <summary>Re-scored on the candidate's test bars with test features built with the champion's own feature configuration.</summary>
    OwnFeatures,

    /// <summary>Could not be scored on the candidate's window; its metrics, if any, are from its own old test part.</summary>
    NotComparable,
}

/// <summary>The champion as the gate sees it: who it is, how it was scored on the candidate's window, and its metrics.</summary>
public sealed record ChampionScore
{
    public string? JobId { get; init; }

    /// <summary>The candidate date the champion came from.</summary>
    public DateOnly? Version { get; init; }

    public required ChampionComparison Comparison { get; init; }

    /// <summary>Same-window metrics when comparable; the champion's stored (old-window) metrics, for information only, when not.</summary>
    public ModelMetrics? Metrics { get; init; }

    /// <summary>How it was scored, or why it could not be.</summary>
    public required string Reason { get; init; }

    [JsonIgnore]
    public bool IsComparable => Comparison != ChampionComparison.NotComparable && Metrics is not null;
}

/// <summary>Everything the gate decides on; each part is stored in evaluation.json so a decision can be replayed.</summary>
public sealed record GateInputs
{
    public required ModelMetrics Candidate { get; init; }

    /// <summary>The constant-class dummy on the same test part.</summary>
    public required ModelMetrics Baseline { get; init; }

    /// <summary>The champion; null for the first model of a symbol.</summary>
    public ChampionScore? Champion { get; init; }

    /// <summary>Candidates of the symbol tried so far, this one included (for the deflated Sharpe ratio).</summary>
    public int CandidatesTried { get; init; } = 1;
}
