using System.Globalization;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// The promotion gate. A candidate is promoted only when every check passes:
/// <list type="bullet">
/// <item>enough evidence: effective directional samples (scored bars / horizon) and trades;</item>
/// <item>a direction that is real: a one-sided exact binomial test of "better than a coin" on the effective sample, and a
/// directional accuracy above the share of the more common realized direction;</item>
/// <item>money that is real: positive net return, PSR(0) of the net period returns, a capped drawdown, and more return and
/// Sharpe than the constant-class baseline; the deflated Sharpe ratio over the candidates tried gates once enough were tried;</item>
/// <item>better than the champion, scored on the candidate's own test window: directional accuracy up by a margin,
/// drawdown not much worse, Sharpe not down by more than a tolerance. The first model of a symbol needs only the absolute rules.</item>
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
        "directional_binomial",
        "directional_above_majority",
        "positive_return",
        "probabilistic_sharpe",
        "max_drawdown",
        "comparable_evaluation",
        "beats_baseline_return",
        "beats_baseline_sharpe",
        "deflated_sharpe",
        "directional_vs_production",
        "drawdown_vs_production",
        "sharpe_vs_production",
    ];

    /// <summary>The reason given when the champion cannot be scored on the candidate's window and the rule is to reject.</summary>
    public const string NotComparableReason = "champion not comparable; promote --force to replace it";

    private const string NoProduction = "skipped: there is no production model to compare with";

    /// <summary>Applies every check with a champion already scored on the candidate's test window (or none) and one candidate tried.</summary>
    public static PromotionDecision Decide(ModelMetrics candidate, ModelMetrics baseline, ModelMetrics? production, PromotionPolicyConfig config) =>
        Decide(
            new GateInputs
            {
                Candidate = candidate,
                Baseline = baseline,
                Champion = production is null
                    ? null
                    : new ChampionScore { Comparison = ChampionComparison.SameFeatures, Metrics = production, Reason = "scored by the caller on the candidate's test window" },
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
        if (inputs.CandidatesTried < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), inputs.CandidatesTried, "at least one candidate (this one) was tried");
        }

        var candidate = inputs.Candidate;
        var baseline = inputs.Baseline;
        var evidence = Evidence(candidate, inputs.CandidatesTried);

        // Only a champion scored on this very window is compared with; otherwise the comparison rule decides.
        var champion = inputs.Champion;
        var comparable = champion is { IsComparable: true } && SameTest(candidate, champion.Metrics!) ? champion.Metrics : null;

        List<PolicyCheck> checks =
        [
            DirectionalSamples(candidate, evidence, config),
            Trades(candidate, config),
            DirectionalBinomial(candidate, evidence, config),
            AboveMajority(candidate, evidence, config),
            PositiveReturn(candidate, config),
            ProbabilisticSharpe(evidence, config),
            MaxDrawdown(candidate, config),
            Comparable(candidate, baseline, champion, config),
            BeatsBaselineReturn(candidate, baseline, config),
            BeatsBaselineSharpe(candidate, baseline, config),
            DeflatedSharpe(evidence, config),
            DirectionalVsProduction(candidate, champion, comparable, config),
            DrawdownVsProduction(candidate, champion, comparable, config),
            SharpeVsProduction(candidate, champion, comparable, config),
        ];

        var failed = checks.Where(c => !c.Passed).Select(c => c.Reason).ToList();
        var promoted = failed.Count == 0;
        return new PromotionDecision
        {
            Decision = promoted ? PromotionOutcome.Promoted : PromotionOutcome.Rejected,
            Checks = checks,
            Reasons = promoted ? [Summary(candidate, baseline, comparable, evidence, checks.Count)] : failed,
            HadProduction = champion is not null,
            Evidence = evidence,
        };
    }

    /// <summary>The statistics of a candidate the checks use; public so reports and tests can show the same numbers.</summary>
    public static GateEvidence Evidence(ModelMetrics m, int candidatesTried)
    {
        ArgumentNullException.ThrowIfNull(m);
        var horizon = Math.Max(1, m.Evaluation.HorizonBars);
        var n = Math.Max(0, m.NDirectional);
        var hits = m.DirectionalAccuracy is { } acc && double.IsFinite(acc) ? (int)Math.Clamp(Math.Round(acc * n), 0, n) : 0;
        var nEff = n / horizon;
        var kEff = n == 0 ? 0 : (int)((long)hits * nEff / n);
        var ci = Statistics.WilsonInterval(kEff, nEff);
        var realized = m.RealizedClassCounts;
        var moving = realized.Up + realized.Down;
        var majority = realized.Up >= realized.Down ? PriceMove.Up : PriceMove.Down;
        var psr = Statistics.ProbabilisticSharpeRatio(m.SharpePerPeriod, 0, m.NPeriods, m.ReturnSkewness, m.ReturnKurtosis);
        var variance = m.NPeriods > 1 ? 1.0 / (m.NPeriods - 1) : double.NaN;
        var expectedMax = double.IsFinite(variance) ? Statistics.ExpectedMaxSharpe(candidatesTried, variance) : double.NaN;
        var dsr = Statistics.ProbabilisticSharpeRatio(m.SharpePerPeriod, expectedMax, m.NPeriods, m.ReturnSkewness, m.ReturnKurtosis);
        return new GateEvidence
        {
            HorizonBars = horizon,
            DirectionalSamples = n,
            DirectionalHits = hits,
            EffectiveDirectionalSamples = nEff,
            EffectiveDirectionalHits = kEff,
            BinomialPValue = Statistics.BinomialPValueAboveHalf(kEff, nEff),
            EffectiveCiLow = ci.Low,
            EffectiveCiHigh = ci.High,
            MajorityDirection = majority,
            MajorityDirectionRate = moving > 0 ? (double)realized[majority] / moving : double.NaN,
            ProbabilisticSharpe = psr,
            SharpePerPeriod = m.SharpePerPeriod,
            Periods = m.NPeriods,
            Skewness = m.ReturnSkewness,
            Kurtosis = m.ReturnKurtosis,
            CandidatesTried = candidatesTried,
            SharpeVariance = variance,
            ExpectedMaxSharpe = expectedMax,
            DeflatedSharpe = dsr,
        };
    }

    private static PolicyCheck DirectionalSamples(ModelMetrics m, GateEvidence e, PromotionPolicyConfig config)
    {
        var passed = e.EffectiveDirectionalSamples >= config.MinDirectionalSamples;
        var flatShare = m.NTest > 0 ? (double)m.PredictedClassCounts.Flat / m.NTest : double.NaN;
        var counted = F($"{m.NDirectional} scored directional bars / horizon {e.HorizonBars} = {e.EffectiveDirectionalSamples} effective samples");
        string reason;
        if (passed)
        {
            reason = F($"enough directional evidence: {counted}, at least the {config.MinDirectionalSamples} required");
        }
        else
        {
            var lead = m.NDirectional == 0 ? "the candidate made no directional predictions that could be scored" : "the candidate made almost no directional predictions";
            reason = F($"{lead}: {counted}, {config.MinDirectionalSamples} required; it predicted flat on {flatShare:P1} of bars, so its accuracy {m.Accuracy:F3} says nothing");
        }

        return Check("directional_samples", passed, e.EffectiveDirectionalSamples, config.MinDirectionalSamples, reason);
    }

    private static PolicyCheck Trades(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.NTrades >= config.MinTrades;
        var reason = passed
            ? F($"the candidate traded {m.NTrades} times in the backtest, at least the {config.MinTrades} required")
            : F($"the candidate traded only {m.NTrades} times in the backtest, {config.MinTrades} required: too few to judge its returns");
        return Check("trades", passed, m.NTrades, config.MinTrades, reason);
    }

    private static PolicyCheck DirectionalBinomial(ModelMetrics m, GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "directional_binomial";
        if (!config.RequireDirectionalSignificance)
        {
            return Skip(name, F($"skipped: require_directional_significance is off (p = {e.BinomialPValue:G3})"));
        }

        var passed = e.BinomialPValue <= config.DirectionalSignificance;
        var test = F($"one-sided binomial p = {e.BinomialPValue:G3} for {e.EffectiveDirectionalHits} of {e.EffectiveDirectionalSamples} effective samples");
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is better than a coin: {test}, at most {config.DirectionalSignificance:G3}")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not significantly better than a coin: {test}, above the {config.DirectionalSignificance:G3} allowed");
        return Check(name, passed, e.BinomialPValue, config.DirectionalSignificance, reason);
    }

    private static PolicyCheck AboveMajority(ModelMetrics m, GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "directional_above_majority";
        if (!config.RequireAboveMajorityDirection)
        {
            return Skip(name, "skipped: require_above_majority_direction is off");
        }

        var direction = e.MajorityDirection == PriceMove.Up ? "up" : "down";
        var passed = m.DirectionalAccuracy > e.MajorityDirectionRate;
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is above the {e.MajorityDirectionRate:F3} that always predicting {direction} would score")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not above the {e.MajorityDirectionRate:F3} that always predicting {direction} would score");
        return Check(name, passed, m.DirectionalAccuracy, e.MajorityDirectionRate, reason);
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
            ? F($"the candidate's backtest return after costs is positive: {m.TotalReturn:P2}")
            : F($"the candidate's backtest return after costs is not positive: {m.TotalReturn:P2}");
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
        var detail = F($"per-period Sharpe {e.SharpePerPeriod:F4} over {e.Periods} periods, skew {e.Skewness:F2}, kurtosis {e.Kurtosis:F2}");
        var reason = passed
            ? F($"the candidate's net returns are probably real: PSR(0) = {e.ProbabilisticSharpe:F3} ({detail}), at least {config.MinProbabilisticSharpe:F2}")
            : F($"the candidate's net returns may be luck: PSR(0) = {e.ProbabilisticSharpe:F3} ({detail}), {config.MinProbabilisticSharpe:F2} required");
        return Check(name, passed, e.ProbabilisticSharpe, config.MinProbabilisticSharpe, reason);
    }

    private static PolicyCheck MaxDrawdown(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.MaxDrawdown <= config.MaxDrawdownCap;
        var reason = passed
            ? F($"the candidate's max drawdown {m.MaxDrawdown:P2} is within the cap of {config.MaxDrawdownCap:P2}")
            : F($"the candidate's max drawdown {m.MaxDrawdown:P2} exceeds the cap of {config.MaxDrawdownCap:P2}");
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
            return Check(name, true, null, null, F($"the baseline was evaluated on the candidate's {candidate.NTest} test bars with the same settings; there is no champion"));
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
            return Check(name, true, null, null, F($"the baseline and the champion were evaluated on the candidate's {candidate.NTest} test bars with the same settings (champion re-scored{how})"));
        }

        return config.WhenChampionNotComparable == IncomparableChampionRule.AbsoluteRulesOnly
            ? Skip(name, F($"skipped: the champion could not be scored on this window ({why}); judged on the absolute rules only (when_champion_not_comparable = AbsoluteRulesOnly)"))
            : Check(name, false, null, null, F($"{NotComparableReason}: {why}"));
    }

    private static PolicyCheck BeatsBaselineReturn(ModelMetrics m, ModelMetrics baseline, PromotionPolicyConfig config)
    {
        const string name = "beats_baseline_return";
        if (!config.MustBeatBaseline)
        {
            return Skip(name, "skipped: must_beat_baseline is off");
        }

        var passed = m.TotalReturn > baseline.TotalReturn;
        var reason = passed
            ? F($"the candidate's return {m.TotalReturn:P2} is above the {BaselineName(baseline)}'s {baseline.TotalReturn:P2}")
            : F($"the candidate's return {m.TotalReturn:P2} is not above the {BaselineName(baseline)}'s {baseline.TotalReturn:P2}");
        return Check(name, passed, m.TotalReturn, baseline.TotalReturn, reason);
    }

    private static PolicyCheck BeatsBaselineSharpe(ModelMetrics m, ModelMetrics baseline, PromotionPolicyConfig config)
    {
        const string name = "beats_baseline_sharpe";
        if (!config.MustBeatBaseline)
        {
            return Skip(name, "skipped: must_beat_baseline is off");
        }

        var passed = m.Sharpe > baseline.Sharpe;
        var reason = passed
            ? F($"the candidate's Sharpe ratio {m.Sharpe:F2} is above the {BaselineName(baseline)}'s {baseline.Sharpe:F2}")
            : F($"the candidate's Sharpe ratio {m.Sharpe:F2} is not above the {BaselineName(baseline)}'s {baseline.Sharpe:F2}");
        return Check(name, passed, m.Sharpe, baseline.Sharpe, reason);
    }

    private static PolicyCheck DeflatedSharpe(GateEvidence e, PromotionPolicyConfig config)
    {
        const string name = "deflated_sharpe";
        var value = F($"DSR = {e.DeflatedSharpe:F3} after {e.CandidatesTried} candidates tried (luck alone would show a per-period Sharpe of {e.ExpectedMaxSharpe:F4})");
        if (!config.RequireDeflatedSharpe)
        {
            return Skip(name, F($"skipped: require_deflated_sharpe is off; {value}"), e.DeflatedSharpe);
        }

        if (e.CandidatesTried < config.DeflatedSharpeMinTrials)
        {
            return Skip(name, F($"not gating yet: {value}; it gates from {config.DeflatedSharpeMinTrials} candidates"), e.DeflatedSharpe);
        }

        var passed = e.DeflatedSharpe >= config.MinDeflatedSharpe;
        var reason = passed
            ? F($"the candidate's Sharpe ratio survives deflation for many tries: {value}, at least {config.MinDeflatedSharpe:F2}")
            : F($"the candidate's Sharpe ratio does not survive deflation for many tries: {value}, {config.MinDeflatedSharpe:F2} required");
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

    private static PolicyCheck DirectionalVsProduction(ModelMetrics m, ChampionScore? champion, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "directional_vs_production";
        if (NotCompared(name, champion, production) is { } skipped)
        {
            return skipped;
        }

        // A champion without a single scored directional call is treated as a coin, not as always wrong.
        var productionValue = production!.DirectionalAccuracy ?? 0.5;
        var threshold = productionValue + config.MinDirectionalImprovement;
        var passed = m.DirectionalAccuracy > threshold;
        var margin = config.MinDirectionalImprovement > 0 ? F($" + {config.MinDirectionalImprovement:F3} required improvement") : string.Empty;
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is above production's {Show(production.DirectionalAccuracy)}{margin} on the same window")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not above production's {Show(production.DirectionalAccuracy)}{margin} on the same window");
        return Check(name, passed, m.DirectionalAccuracy, threshold, reason);
    }

    private static PolicyCheck DrawdownVsProduction(ModelMetrics m, ChampionScore? champion, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "drawdown_vs_production";
        if (NotCompared(name, champion, production) is { } skipped)
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

        if (NotCompared(name, champion, production) is { } skipped)
        {
            return skipped;
        }

        var threshold = production!.Sharpe - config.SharpeTolerance;
        var tolerance = config.SharpeTolerance > 0 ? F($" minus the tolerance {config.SharpeTolerance:F2}") : string.Empty;
        var passed = m.Sharpe > threshold;
        var reason = passed
            ? F($"the candidate's Sharpe ratio {m.Sharpe:F2} is above production's {production.Sharpe:F2}{tolerance} on the same window")
            : F($"the candidate's Sharpe ratio {m.Sharpe:F2} does not improve on production's {production.Sharpe:F2}{tolerance} on the same window");
        return Check(name, passed, m.Sharpe, threshold, reason);
    }

    private static string Summary(ModelMetrics m, ModelMetrics baseline, ModelMetrics? production, GateEvidence e, int checks)
    {
        var versus = production is null
            ? "there was no production model to beat"
            : F($"production had {Show(production.DirectionalAccuracy)} and Sharpe {production.Sharpe:F2} on the same window");
        return F($"promoted: all {checks} checks passed; directional accuracy {Show(m.DirectionalAccuracy)} on {e.EffectiveDirectionalSamples} effective samples (p = {e.BinomialPValue:G3}), return {m.TotalReturn:P2} vs the {BaselineName(baseline)}'s {baseline.TotalReturn:P2}, Sharpe {m.Sharpe:F2} (PSR {e.ProbabilisticSharpe:F3}, DSR {e.DeflatedSharpe:F3} after {e.CandidatesTried} tries), max drawdown {m.MaxDrawdown:P2}; {versus}");
    }

    private static bool SameTest(ModelMetrics a, ModelMetrics b) => a.NTest == b.NTest && a.Evaluation == b.Evaluation;

    private static string Describe(ModelMetrics m) =>
        F($"{m.NTest} bars (cost {m.Evaluation.CostBps} bps, horizon {m.Evaluation.HorizonBars} bars of {m.Evaluation.BarSeconds} s)");

    private static string BaselineName(ModelMetrics baseline)
    {
        var counts = baseline.PredictedClassCounts;
        var constant = counts.Down == baseline.NTest ? "down" : counts.Up == baseline.NTest ? "up" : counts.Flat == baseline.NTest ? "flat" : null;
        return constant is null ? "baseline" : "always-" + constant + " baseline";
    }

    private static string Show(double? value) => value is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static PolicyCheck Check(string name, bool passed, double? observed, double? threshold, string reason) =>
        new() { Name = name, Passed = passed, Observed = Finite(observed), Threshold = Finite(threshold), Reason = reason };

    private static PolicyCheck Skip(string name, string reason, double? observed = null) =>
        new() { Name = name, Passed = true, Skipped = true, Observed = Finite(observed), Reason = reason };

    // NaN is written to JSON as a string by the shared options; a missing number reads better as null.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
