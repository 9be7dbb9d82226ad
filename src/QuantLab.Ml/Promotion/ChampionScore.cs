using QuantLab.Ml.Common;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Promotion;

/// <summary>How the champion (the production model) was scored for the comparison with a candidate.</summary>
[JsonConverter(typeof(SnakeCaseNames<ChampionComparison>))]
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

    /// <summary>The no-position baseline on the same test bars.</summary>
    public required ModelMetrics Baseline { get; init; }

    /// <summary>The top-of-book imbalance sign baseline through the same execution; null on records written before it existed.</summary>
    public ModelMetrics? ImbalanceBaseline { get; init; }

    /// <summary>The champion; null for the first model of a symbol.</summary>
    public ChampionScore? Champion { get; init; }

    /// <summary>Diebold–Mariano test of candidate minus champion on the same bars; null without a comparable champion.</summary>
    public PairedTest? Paired { get; init; }

    /// <summary>The symbol's trials so far, this one included (for the deflated Sharpe ratio); null means this one only.</summary>
    public TrialStats? Trials { get; init; }
}

/// <summary>The paired test of two models' per-bar net returns on the same bars (Diebold and Mariano 1995, Newey–West variance).</summary>
public sealed record PairedTest
{
    public required int Bars { get; init; }

    /// <summary>Mean of candidate − champion net return per bar.</summary>
    public required double MeanDifference { get; init; }

    public required double StandardError { get; init; }
    public required int Lag { get; init; }

    /// <summary>DM statistic: mean difference / standard error.</summary>
    public required double Statistic { get; init; }

    /// <summary>One-sided p-value of "the candidate earns no more than the champion".</summary>
    public required double PValue { get; init; }

    /// <summary>The test on two models' per-bar returns (they must be on the same bars).</summary>
    public static PairedTest Of(ModelMetrics candidate, ModelMetrics champion)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(champion);
        var a = candidate.PeriodReturns.ToArray();
        var b = champion.PeriodReturns.ToArray();
        var lag = candidate.Evaluation.LagFor(a.Length);
        var (difference, p) = SerialStatistics.DieboldMariano(a, b, lag);
        return new PairedTest
        {
            Bars = a.Length,
            MeanDifference = difference.Value,
            StandardError = difference.StandardError,
            Lag = lag,
            Statistic = difference.TStatistic,
            PValue = p,
        };
    }
}

/// <summary>How many trials a symbol has seen and how much their per-bar Sharpe estimates vary: the N and V of the deflated Sharpe ratio.</summary>
public sealed record TrialStats
{
    public required int Count { get; init; }

    /// <summary>Sample variance of the trials' per-bar Sharpe ratios; 0 for a single trial.</summary>
    public required double SharpeVariance { get; init; }

    public static TrialStats One { get; } = new() { Count = 1, SharpeVariance = 0 };

    /// <summary>N and V of a list of per-bar Sharpe ratios (non-finite ones count as trials but not in the variance).</summary>
    public static TrialStats Of(IReadOnlyList<double> sharpes)
    {
        ArgumentNullException.ThrowIfNull(sharpes);
        var finite = sharpes.Where(double.IsFinite).ToArray();
        var variance = 0.0;
        if (finite.Length > 1)
        {
            var mean = finite.Average();
            variance = finite.Sum(s => (s - mean) * (s - mean)) / (finite.Length - 1);
        }

        return new TrialStats { Count = Math.Max(1, sharpes.Count), SharpeVariance = variance };
    }
}
