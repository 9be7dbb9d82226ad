using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// The promotion gate. A candidate is promoted only when every check passes:
/// <list type="bullet">
/// <item>enough evidence: effective directional calls (calls / horizon) and trades;</item>
/// <item>a direction that is real: the Pesaran–Timmermann test on the effective sample;</item>
/// <item>money that is real, net of the taker execution (spread + fee): positive net return, PSR(0) with the Newey–West
/// standard error of the per-bar Sharpe ratio, a capped drawdown, more mean net return and Sharpe than both baselines (no
/// position, top-of-book imbalance sign), and the deflated Sharpe ratio over every trial of the symbol, from the first;</item>
/// <item>the champion, scored on the same bars with the same execution: by default (<see cref="ChampionTest.Paired"/>) the
/// candidate must be significantly better by the Diebold–Mariano test on the per-bar net P&amp;L difference, unless the champion
/// itself fails the absolute checks on this window (a stale champion); <see cref="ChampionTest.Seed"/> keeps the first
/// rule (directional accuracy up, drawdown at most 1.1× production's, Sharpe up), now on the same bars.</item>
/// </list>
/// Every comparison is written so that NaN fails it. The checks themselves are in PromotionPolicy.AbsoluteChecks.cs and
/// PromotionPolicy.ChampionChecks.cs.
/// </summary>
public static partial class PromotionPolicy
{
    /// <summary>The names of all checks, in the order every decision lists them.</summary>
    public static IReadOnlyList<string> CheckNames { get; } =
    [
        "directional_samples",
        "trades",
        "directional_pesaran_timmermann",
        "positive_return",
        "probabilistic_sharpe",
        "max_drawdown",
        "comparable_evaluation",
        "beats_baseline_return",
        "beats_baseline_sharpe",
        "deflated_sharpe",
        "beats_champion_paired",
        "directional_vs_production",
        "drawdown_vs_production",
        "sharpe_vs_production",
    ];

    /// <summary>The checks a model must pass on its own, whoever it is compared with; a champion failing one of them on the candidate's window is stale.</summary>
    public static IReadOnlyList<string> AbsoluteCheckNames { get; } =
    [
        "directional_samples", "trades", "directional_pesaran_timmermann", "positive_return", "probabilistic_sharpe", "max_drawdown",
        "beats_baseline_return", "beats_baseline_sharpe",
    ];

    /// <summary>The reason given when the champion cannot be scored on the candidate's window and the rule is to reject.</summary>
    public const string NotComparableReason = "champion not comparable; promote --force to replace it";

    private const string NoProduction = "skipped: there is no production model to compare with";

    /// <summary>Applies every check with a champion already scored on the candidate's test window (or none) and one trial.</summary>
    public static PromotionDecision Decide(ModelMetrics candidate, ModelMetrics baseline, ModelMetrics? production, PromotionPolicyConfig config) =>
        Decide(
            new GateInputs
            {
                Candidate = candidate,
                Baseline = baseline,
                Champion = production is null
                    ? null
                    : new ChampionScore { Comparison = ChampionComparison.SameFeatures, Metrics = production, Reason = "scored by the caller on the candidate's test window" },
                Paired = production is null ? null : PairedTest.Of(candidate, production),
            },
            config);

    /// <summary>Applies every check of <paramref name="config"/> and promotes only when all of them pass.</summary>
    public static PromotionDecision Decide(GateInputs inputs, PromotionPolicyConfig config)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(inputs.Candidate);
        ArgumentNullException.ThrowIfNull(inputs.Baseline);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var trials = inputs.Trials ?? TrialStats.One;
        if (trials.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), trials.Count, "at least one trial (this one) was made");
        }

        var candidate = inputs.Candidate;
        var baselines = Baselines(inputs);
        var evidence = Evidence(candidate, trials);

        // Only a champion scored on this very window is compared with; otherwise the comparison rule decides.
        var champion = inputs.Champion;
        var comparable = champion is { IsComparable: true } && SameTest(candidate, champion.Metrics!) ? champion.Metrics : null;

        var checks = Absolute(candidate, baselines, evidence, config);
        checks.Insert(6, Comparable(candidate, inputs.Baseline, champion, config));
        checks.Add(DeflatedSharpe(evidence, config));
        checks.Add(BeatsChampionPaired(champion, comparable, inputs.Paired, baselines, config));
        checks.Add(DirectionalVsProduction(candidate, champion, comparable, config));
        checks.Add(DrawdownVsProduction(candidate, champion, comparable, config));
        checks.Add(SharpeVsProduction(candidate, champion, comparable, config));

        var failed = checks.Where(c => !c.Passed).Select(c => c.Reason).ToList();
        var promoted = failed.Count == 0;
        return new PromotionDecision
        {
            Decision = promoted ? PromotionOutcome.Promoted : PromotionOutcome.Rejected,
            Checks = checks,
            Reasons = promoted ? [Summary(candidate, baselines, comparable, inputs.Paired, evidence, checks.Count)] : failed,
            HadProduction = champion is not null,
            Evidence = evidence,
            Paired = inputs.Paired,
        };
    }

    /// <summary>The statistics of a candidate the checks use; public so reports and tests can show the same numbers.</summary>
    public static GateEvidence Evidence(ModelMetrics m, TrialStats trials)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(trials);
        var horizon = Math.Max(1, m.Evaluation.HorizonBars);
        var n = Math.Max(0, m.NDirectional);
        var hits = m.DirectionalAccuracy is { } acc && double.IsFinite(acc) ? (int)Math.Clamp(Math.Round(acc * n), 0, n) : 0;
        var nEff = n / horizon;
        var expectedMax = double.IsFinite(trials.SharpeVariance) ? Statistics.ExpectedMaxSharpe(trials.Count, trials.SharpeVariance) : double.NaN;
        var hac = new HacEstimate(m.SharpePerBar, m.SharpePerBarSe, m.HacLag, m.NPeriods);
        return new GateEvidence
        {
            HorizonBars = horizon,
            DirectionalSamples = n,
            FlatOutcomeCalls = m.FlatOutcomeCalls,
            DirectionalHits = hits,
            EffectiveDirectionalSamples = nEff,
            PesaranTimmermann = m.DirectionalPtStatistic,
            DirectionalPValue = m.DirectionalPtPValue,
            ExpectedHitRate = m.ExpectedHitRate,
            EffectiveCiLow = m.DirectionalCiLow,
            EffectiveCiHigh = m.DirectionalCiHigh,
            ProbabilisticSharpe = m.ProbabilisticSharpe,
            SharpePerBar = m.SharpePerBar,
            SharpePerBarSe = m.SharpePerBarSe,
            HacLag = m.HacLag,
            Periods = m.NPeriods,
            Skewness = m.ReturnSkewness,
            Kurtosis = m.ReturnKurtosis,
            Trials = trials.Count,
            SharpeVariance = trials.SharpeVariance,
            ExpectedMaxSharpe = expectedMax,
            DeflatedSharpe = SerialStatistics.ProbabilisticSharpe(hac, expectedMax),
        };
    }

    /// <summary>The absolute checks (see <see cref="AbsoluteCheckNames"/>) that <paramref name="m"/> fails on its window.</summary>
    public static IReadOnlyList<PolicyCheck> AbsoluteFailures(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, PromotionPolicyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Absolute(m, baselines, Evidence(m, TrialStats.One), config).Where(c => !c.Passed).ToList();
    }

    private static List<PolicyCheck> Absolute(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, GateEvidence e, PromotionPolicyConfig config) =>
    [
        DirectionalSamples(m, e, config),
        Trades(m, config),
        DirectionalPt(m, e, config),
        PositiveReturn(m, config),
        ProbabilisticSharpe(e, config),
        MaxDrawdown(m, config),
        BeatsBaselineReturn(m, baselines, config),
        BeatsBaselineSharpe(m, baselines, config),
    ];

    private static List<ModelMetrics> Baselines(GateInputs inputs) =>
        inputs.ImbalanceBaseline is { } imbalance ? [inputs.Baseline, imbalance] : [inputs.Baseline];

    private static string Summary(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, ModelMetrics? production, PairedTest? paired, GateEvidence e, int checks)
    {
        var versus = production is null
            ? "there was no production model to beat on this window"
            : F($"production earned {production.TotalReturn:P2} (Sharpe {production.SharpePerBar:G3} per bar) on the same bars{(paired is null ? string.Empty : F($", paired p = {paired.PValue:G3}"))}");
        var others = string.Join(", ", baselines.Select(b => F($"{BaselineName(b)} {b.TotalReturn:P2}")));
        return F($"promoted: all {checks} checks passed; net return {m.TotalReturn:P2} (baselines: {others}), Sharpe {m.SharpePerBar:G3} ± {m.SharpePerBarSe:G3} per bar (PSR {e.ProbabilisticSharpe:F3}, DSR {e.DeflatedSharpe:F3} after {e.Trials} trials), hit rate {m.DirectionalAccuracy ?? double.NaN:F3} (PT p = {e.DirectionalPValue:G3}), max drawdown {m.MaxDrawdown:P2}; {versus}");
    }

    private static bool SameTest(ModelMetrics a, ModelMetrics b) => a.NTest == b.NTest && a.NPeriods == b.NPeriods && a.Evaluation == b.Evaluation;

    private static string Describe(ModelMetrics m) =>
        F($"{m.NTest} bars (fee {m.Evaluation.CostBps} bps, spread {(m.Evaluation.IncludeSpread ? "paid" : "not paid")}, horizon {m.Evaluation.HorizonBars} bars of {m.Evaluation.BarSeconds} s)");

    /// <summary>A baseline's name with the classes it really predicted.</summary>
    public static string BaselineName(ModelMetrics baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var c = baseline.PredictedClassCounts;
        return baseline.Strategy switch
        {
            "no_position" => "no-position baseline",
            "imbalance_sign" => F($"imbalance-sign baseline (predicted up {c.Up}, down {c.Down}, flat {c.Flat})"),
            _ => c.Flat == baseline.NTest ? "always-flat baseline" : "baseline",
        };
    }

    private static PolicyCheck Check(string name, bool passed, double? observed, double? threshold, string reason) =>
        new() { Name = name, Passed = passed, Observed = Finite(observed), Threshold = Finite(threshold), Reason = reason };

    private static PolicyCheck Skip(string name, string reason, double? observed = null) =>
        new() { Name = name, Passed = true, Skipped = true, Observed = Finite(observed), Reason = reason };

    // NaN is written to JSON as a string by the shared options; a missing number reads better as null.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string F(FormattableString text) => text.ToString(NumberText.Invariant);
}
