using System.Globalization;

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
/// Every comparison is written so that NaN fails it.
/// </summary>
public static class PromotionPolicy
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

    private static PolicyCheck DirectionalSamples(ModelMetrics m, GateEvidence e, PromotionPolicyConfig config)
    {
        var passed = e.EffectiveDirectionalSamples >= config.MinDirectionalSamples;
        var flatShare = m.NTest > 0 ? (double)m.PredictedClassCounts.Flat / m.NTest : double.NaN;
        var counted = F($"{m.NDirectional} directional calls ({m.FlatOutcomeCalls} of them with a flat outcome) / horizon {e.HorizonBars} = {e.EffectiveDirectionalSamples} effective samples");
        string reason;
        if (passed)
        {
            reason = F($"enough directional evidence: {counted}, at least the {config.MinDirectionalSamples} required");
        }
        else
        {
            var lead = m.NDirectional == 0 ? "the model made no directional predictions" : "the model made almost no directional predictions";
            reason = F($"{lead}: {counted}, {config.MinDirectionalSamples} required; it predicted flat on {flatShare:P1} of bars, so its accuracy {m.Accuracy:F3} says nothing");
        }

        return Check("directional_samples", passed, e.EffectiveDirectionalSamples, config.MinDirectionalSamples, reason);
    }

    private static PolicyCheck Trades(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.NTrades >= config.MinTrades;
        var reason = passed
            ? F($"the model traded {m.NTrades} times in the backtest, at least the {config.MinTrades} required")
            : F($"the model traded only {m.NTrades} times in the backtest, {config.MinTrades} required: too few to judge its returns (its expected moves rarely paid the cost of a trade)");
        return Check("trades", passed, m.NTrades, config.MinTrades, reason);
    }

    private static PolicyCheck DirectionalPt(ModelMetrics m, GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "directional_pesaran_timmermann";
        if (!config.RequireDirectionalSignificance)
        {
            return Skip(name, F($"skipped: require_directional_significance is off (p = {e.DirectionalPValue:G3})"));
        }

        var passed = e.DirectionalPValue <= config.DirectionalSignificance;
        var test = F($"Pesaran–Timmermann p = {e.DirectionalPValue:G3} (hit rate {Show(m.DirectionalAccuracy)} vs {Show(e.ExpectedHitRate)} expected without skill, {e.EffectiveDirectionalSamples} effective samples)");
        var reason = passed
            ? F($"the model's direction is predictive: {test}, at most {config.DirectionalSignificance:G3}")
            : F($"the model's direction is not significantly predictive: {test}, above the {config.DirectionalSignificance:G3} allowed");
        return Check(name, passed, e.DirectionalPValue, config.DirectionalSignificance, reason);
    }

    private static PolicyCheck PositiveReturn(ModelMetrics m, PromotionPolicyConfig config)
    {
        const string name = "positive_return";
        if (!config.RequirePositiveReturn)
        {
            return Skip(name, "skipped: require_positive_return is off");
        }

        var passed = m.TotalReturn > 0;
        var reason = passed
            ? F($"the model's backtest return after spread and fees is positive: {m.TotalReturn:P2}")
            : F($"the model's backtest return after spread and fees is not positive: {m.TotalReturn:P2}");
        return Check(name, passed, m.TotalReturn, 0, reason);
    }

    private static PolicyCheck ProbabilisticSharpe(GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "probabilistic_sharpe";
        if (config.MinProbabilisticSharpe <= 0)
        {
            return Skip(name, F($"skipped: min_probabilistic_sharpe is 0 (PSR(0) = {e.ProbabilisticSharpe:F3})"));
        }

        var passed = e.ProbabilisticSharpe >= config.MinProbabilisticSharpe;
        var detail = F($"Sharpe {e.SharpePerBar:G4} per bar ± {e.SharpePerBarSe:G3} (Newey–West, lag {e.HacLag}) over {e.Periods} bars");
        var reason = passed
            ? F($"the net returns are probably real: PSR(0) = {e.ProbabilisticSharpe:F3} ({detail}), at least {config.MinProbabilisticSharpe:F2}")
            : F($"the net returns may be luck: PSR(0) = {e.ProbabilisticSharpe:F3} ({detail}), {config.MinProbabilisticSharpe:F2} required");
        return Check(name, passed, e.ProbabilisticSharpe, config.MinProbabilisticSharpe, reason);
    }

    private static PolicyCheck MaxDrawdown(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.MaxDrawdown <= config.MaxDrawdownCap;
        var reason = passed
            ? F($"the max drawdown {m.MaxDrawdown:P2} is within the cap of {config.MaxDrawdownCap:P2}")
            : F($"the max drawdown {m.MaxDrawdown:P2} exceeds the cap of {config.MaxDrawdownCap:P2}");
        return Check("max_drawdown", passed, m.MaxDrawdown, config.MaxDrawdownCap, reason);
    }

    private static PolicyCheck Comparable(ModelMetrics candidate, ModelMetrics baseline, ChampionScore? champion, PromotionPolicyConfig config)
    {
        const string name = "comparable_evaluation";
        if (!SameTest(candidate, baseline))
        {
            return Check(name, false, null, null, F($"the baseline was evaluated on {Describe(baseline)} but the candidate on {Describe(candidate)}; compute both on the same test part"));
        }

        if (champion is null)
        {
            return Check(name, true, null, null, F($"the baselines were evaluated on the candidate's {candidate.NTest} test bars with the same execution; there is no champion"));
        }

        string? why = null;
        if (!champion.IsComparable)
        {
            why = champion.Reason;
        }
        else if (!SameTest(candidate, champion.Metrics!))
        {
            why = F($"the champion was evaluated on {Describe(champion.Metrics!)} but the candidate on {Describe(candidate)}");
        }

        if (why is null)
        {
            var how = champion.Comparison == ChampionComparison.OwnFeatures ? " with test features built from its own feature configuration" : string.Empty;
            return Check(name, true, null, null, F($"the baselines and the champion were evaluated on the candidate's {candidate.NTest} test bars with the same execution (champion re-scored{how})"));
        }

        return config.WhenChampionNotComparable == IncomparableChampionRule.AbsoluteRulesOnly
            ? Skip(name, F($"skipped: the champion could not be scored on this window ({why}); judged on the absolute rules only (when_champion_not_comparable = AbsoluteRulesOnly)"))
            : Check(name, false, null, null, F($"{NotComparableReason}: {why}"));
    }

    private static PolicyCheck BeatsBaselineReturn(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, PromotionPolicyConfig config)
    {
        const string name = "beats_baseline_return";
        if (!config.MustBeatBaseline)
        {
            return Skip(name, "skipped: must_beat_baseline is off");
        }

        var best = baselines.MaxBy(b => b.MeanReturnPerBar)!;
        var passed = baselines.All(b => m.MeanReturnPerBar > b.MeanReturnPerBar);
        var others = string.Join(", ", baselines.Select(b => F($"{BaselineName(b)} {b.MeanReturnPerBar * 1e4:G3} bp ({b.TotalReturn:P2})")));
        var reason = F($"the mean net return {m.MeanReturnPerBar * 1e4:G3} bp per bar ({m.TotalReturn:P2} in all) is {(passed ? string.Empty : "not ")}above every baseline's through the same execution: {others}");
        return Check(name, passed, m.MeanReturnPerBar, best.MeanReturnPerBar, reason);
    }

    private static PolicyCheck BeatsBaselineSharpe(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, PromotionPolicyConfig config)
    {
        const string name = "beats_baseline_sharpe";
        if (!config.MustBeatBaseline)
        {
            return Skip(name, "skipped: must_beat_baseline is off");
        }

        var best = baselines.MaxBy(b => b.SharpePerBar)!;
        var passed = baselines.All(b => m.SharpePerBar > b.SharpePerBar);
        var others = string.Join(", ", baselines.Select(b => F($"{BaselineName(b)} {b.SharpePerBar:G3}")));
        var reason = F($"the Sharpe ratio {m.SharpePerBar:G3} per bar is {(passed ? string.Empty : "not ")}above every baseline's: {others}");
        return Check(name, passed, m.SharpePerBar, best.SharpePerBar, reason);
    }

    private static PolicyCheck DeflatedSharpe(GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "deflated_sharpe";
        var value = F($"DSR = {e.DeflatedSharpe:F3} after {e.Trials} trials of this symbol (variance of their Sharpe ratios {e.SharpeVariance:G3}; luck alone would show {e.ExpectedMaxSharpe:G3} per bar)");
        if (!config.RequireDeflatedSharpe)
        {
            return Skip(name, F($"skipped: require_deflated_sharpe is off; {value}"), e.DeflatedSharpe);
        }

        if (e.Trials < config.DeflatedSharpeMinTrials)
        {
            return Skip(name, F($"not gating yet: {value}; it gates from {config.DeflatedSharpeMinTrials} trials"), e.DeflatedSharpe);
        }

        var passed = e.DeflatedSharpe >= config.MinDeflatedSharpe;
        var reason = passed
            ? F($"the Sharpe ratio survives deflation for every trial: {value}, at least {config.MinDeflatedSharpe:F2}")
            : F($"the Sharpe ratio does not survive deflation for every trial: {value}, {config.MinDeflatedSharpe:F2} required");
        return Check(name, passed, e.DeflatedSharpe, config.MinDeflatedSharpe, reason);
    }

    private static PolicyCheck? NotCompared(string name, ChampionScore? champion, ModelMetrics? comparable)
    {
        if (champion is null)
        {
            return Skip(name, NoProduction);
        }

        return comparable is null ? Skip(name, "skipped: the champion was not scored on the candidate's test window (see comparable_evaluation)") : null;
    }

    private static PolicyCheck BeatsChampionPaired(ChampionScore? champion, ModelMetrics? production, PairedTest? paired, IReadOnlyList<ModelMetrics> baselines, PromotionPolicyConfig config)
    {
        const string name = "beats_champion_paired";
        if (config.ChampionRule != ChampionTest.Paired)
        {
            return Skip(name, "skipped: champion_rule is Seed (see directional_vs_production, drawdown_vs_production, sharpe_vs_production)");
        }

        if (NotCompared(name, champion, production) is { } skipped)
        {
            return skipped;
        }

        var stale = AbsoluteFailures(production!, baselines, config);
        if (stale.Count > 0)
        {
            return Check(name, true, paired?.PValue, config.ChampionSignificance,
                F($"the champion fails the absolute checks on this window ({string.Join(", ", stale.Select(c => c.Name))}), so it is stale and a sound candidate replaces it"));
        }

        if (paired is null)
        {
            return Check(name, false, null, config.ChampionSignificance, "the paired test of candidate and champion on the same bars is missing; evaluate the day again");
        }

        var passed = paired.PValue <= config.ChampionSignificance;
        var test = F($"Diebold–Mariano on {paired.Bars} same bars: mean difference {paired.MeanDifference * 1e4:G3} ± {paired.StandardError * 1e4:G3} bp per bar (Newey–West, lag {paired.Lag}), p = {paired.PValue:G3}");
        var reason = passed
            ? F($"the candidate earns significantly more than the champion net of costs: {test}, at most {config.ChampionSignificance:G3}")
            : F($"the candidate is not significantly better than the champion net of costs: {test}, above the {config.ChampionSignificance:G3} allowed");
        return Check(name, passed, paired.PValue, config.ChampionSignificance, reason);
    }

    private static PolicyCheck? SeedOnly(string name, PromotionPolicyConfig config) =>
        config.ChampionRule == ChampionTest.Seed ? null : Skip(name, "skipped: champion_rule is Paired (see beats_champion_paired)");

    private static PolicyCheck DirectionalVsProduction(ModelMetrics m, ChampionScore? champion, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "directional_vs_production";
        if ((SeedOnly(name, config) ?? NotCompared(name, champion, production)) is { } skipped)
        {
            return skipped;
        }

        // A champion without a single directional call is treated as a coin, not as always wrong.
        var productionValue = production!.DirectionalAccuracy ?? 0.5;
        var threshold = productionValue + config.MinDirectionalImprovement;
        var passed = m.DirectionalAccuracy > threshold;
        var margin = config.MinDirectionalImprovement > 0 ? F($" + {config.MinDirectionalImprovement:F3} required improvement") : string.Empty;
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is above production's {Show(production.DirectionalAccuracy)}{margin} on the same bars")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not above production's {Show(production.DirectionalAccuracy)}{margin} on the same bars");
        return Check(name, passed, m.DirectionalAccuracy, threshold, reason);
    }

    private static PolicyCheck DrawdownVsProduction(ModelMetrics m, ChampionScore? champion, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "drawdown_vs_production";
        if ((SeedOnly(name, config) ?? NotCompared(name, champion, production)) is { } skipped)
        {
            return skipped;
        }

        // A champion that hardly traded has a drawdown near 0 that no useful successor could match; it is no
        // benchmark, and keeping it would leave a bad production model in place forever. The absolute cap still applies.
        if (production!.NTrades < config.MinTrades)
        {
            return Skip(name, F($"skipped: production traded only {production.NTrades} times (min_trades is {config.MinTrades}), so its drawdown is no benchmark; the absolute cap of {config.MaxDrawdownCap:P2} applies"));
        }

        var relative = config.MaxDrawdownVsProductionFactor * production.MaxDrawdown;
        var threshold = Math.Max(relative, config.DrawdownVsProductionFloor);
        var limit = relative >= config.DrawdownVsProductionFloor
            ? F($"{config.MaxDrawdownVsProductionFactor:0.###} × production's {production.MaxDrawdown:P2}")
            : F($"the floor of {config.DrawdownVsProductionFloor:P2} (production's is only {production.MaxDrawdown:P2})");
        var passed = m.MaxDrawdown <= threshold;
        var reason = passed
            ? F($"the candidate's max drawdown {m.MaxDrawdown:P2} is within {limit}")
            : F($"the candidate's max drawdown {m.MaxDrawdown:P2} exceeds {limit} = {threshold:P2}");
        return Check(name, passed, m.MaxDrawdown, threshold, reason);
    }

    private static PolicyCheck SharpeVsProduction(ModelMetrics m, ChampionScore? champion, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "sharpe_vs_production";
        if (!config.RequireSharpeImprovement)
        {
            return Skip(name, "skipped: require_sharpe_improvement is off");
        }

        if ((SeedOnly(name, config) ?? NotCompared(name, champion, production)) is { } skipped)
        {
            return skipped;
        }

        var threshold = production!.SharpePerBar - config.SharpeTolerance;
        var tolerance = config.SharpeTolerance > 0 ? F($" minus the tolerance {config.SharpeTolerance:G3}") : string.Empty;
        var passed = m.SharpePerBar > threshold;
        var reason = passed
            ? F($"the candidate's Sharpe ratio {m.SharpePerBar:G3} per bar is above production's {production.SharpePerBar:G3}{tolerance} on the same bars")
            : F($"the candidate's Sharpe ratio {m.SharpePerBar:G3} per bar does not improve on production's {production.SharpePerBar:G3}{tolerance} on the same bars");
        return Check(name, passed, m.SharpePerBar, threshold, reason);
    }

    private static string Summary(ModelMetrics m, IReadOnlyList<ModelMetrics> baselines, ModelMetrics? production, PairedTest? paired, GateEvidence e, int checks)
    {
        var versus = production is null
            ? "there was no production model to beat on this window"
            : F($"production earned {production.TotalReturn:P2} (Sharpe {production.SharpePerBar:G3} per bar) on the same bars{(paired is null ? string.Empty : F($", paired p = {paired.PValue:G3}"))}");
        var others = string.Join(", ", baselines.Select(b => F($"{BaselineName(b)} {b.TotalReturn:P2}")));
        return F($"promoted: all {checks} checks passed; net return {m.TotalReturn:P2} (baselines: {others}), Sharpe {m.SharpePerBar:G3} ± {m.SharpePerBarSe:G3} per bar (PSR {e.ProbabilisticSharpe:F3}, DSR {e.DeflatedSharpe:F3} after {e.Trials} trials), hit rate {Show(m.DirectionalAccuracy)} (PT p = {e.DirectionalPValue:G3}), max drawdown {m.MaxDrawdown:P2}; {versus}");
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

    private static string Show(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static PolicyCheck Check(string name, bool passed, double? observed, double? threshold, string reason) =>
        new() { Name = name, Passed = passed, Observed = Finite(observed), Threshold = Finite(threshold), Reason = reason };

    private static PolicyCheck Skip(string name, string reason, double? observed = null) =>
        new() { Name = name, Passed = true, Skipped = true, Observed = Finite(observed), Reason = reason };

    // NaN is written to JSON as a string by the shared options; a missing number reads better as null.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
