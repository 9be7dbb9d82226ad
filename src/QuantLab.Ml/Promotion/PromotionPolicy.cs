using System.Globalization;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// Decides whether a candidate model replaces production. Absolute safety rules apply always, even with no production
/// model: enough scored directional calls, enough trades, directional accuracy above a coin by its confidence interval,
/// a positive return and a capped drawdown. "Beats the baseline" means the candidate's total return and Sharpe ratio are
/// both strictly above those of the dummy that always predicts one class. Against production the candidate must have a
/// strictly better directional accuracy, a drawdown not much worse and (by default) a better Sharpe ratio; a production
/// model that hardly traded is no drawdown benchmark. All metrics must come from the same test part and settings.
/// Every comparison is written so that NaN fails it.
/// </summary>
public static class PromotionPolicy
{
    /// <summary>The names of all checks, in the order every decision lists them.</summary>
    public static IReadOnlyList<string> CheckNames { get; } =
    [
        "directional_samples",
        "trades",
        "directional_ci_above_half",
        "positive_return",
        "max_drawdown",
        "comparable_evaluation",
        "beats_baseline_return",
        "beats_baseline_sharpe",
        "directional_vs_production",
        "drawdown_vs_production",
        "sharpe_vs_production",
    ];

    private const string NoProduction = "skipped: there is no production model to compare with";

    /// <summary>Applies every check of <paramref name="config"/> and promotes only when all of them pass.</summary>
    public static PromotionDecision Decide(ModelMetrics candidate, ModelMetrics baseline, ModelMetrics? production, PromotionPolicyConfig config)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();

        List<PolicyCheck> checks =
        [
            DirectionalSamples(candidate, config),
            Trades(candidate, config),
            DirectionalCi(candidate, config),
            PositiveReturn(candidate, config),
            MaxDrawdown(candidate, config),
            Comparable(candidate, baseline, production),
            BeatsBaselineReturn(candidate, baseline, config),
            BeatsBaselineSharpe(candidate, baseline, config),
            DirectionalVsProduction(candidate, production, config),
            DrawdownVsProduction(candidate, production, config),
            SharpeVsProduction(candidate, production, config),
        ];

        var failed = checks.Where(c => !c.Passed).Select(c => c.Reason).ToList();
        var promoted = failed.Count == 0;
        return new PromotionDecision
        {
            Decision = promoted ? PromotionOutcome.Promoted : PromotionOutcome.Rejected,
            Checks = checks,
            Reasons = promoted ? [Summary(candidate, baseline, production, checks.Count)] : failed,
            HadProduction = production is not null,
        };
    }

    private static PolicyCheck DirectionalSamples(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.NDirectional >= config.MinDirectionalSamples;
        var flatShare = m.NTest > 0 ? (double)m.PredictedClassCounts.Flat / m.NTest : double.NaN;
        string reason;
        if (passed)
        {
            reason = F($"the candidate made {m.NDirectional} scored directional predictions (up or down on bars that moved), at least the {config.MinDirectionalSamples} required");
        }
        else
        {
            var lead = m.NDirectional == 0 ? "the candidate made no directional predictions that could be scored" : "the candidate made almost no directional predictions";
            reason = F($"{lead}: {m.NDirectional} bars where it said up or down and the price moved, {config.MinDirectionalSamples} required; it predicted flat on {flatShare:P1} of bars, so its accuracy {m.Accuracy:F3} says nothing");
        }

        return Check("directional_samples", passed, m.NDirectional, config.MinDirectionalSamples, reason);
    }

    private static PolicyCheck Trades(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.NTrades >= config.MinTrades;
        var reason = passed
            ? F($"the candidate traded {m.NTrades} times in the backtest, at least the {config.MinTrades} required")
            : F($"the candidate traded only {m.NTrades} times in the backtest, {config.MinTrades} required: too few to judge its returns");
        return Check("trades", passed, m.NTrades, config.MinTrades, reason);
    }

    private static PolicyCheck DirectionalCi(ModelMetrics m, PromotionPolicyConfig config)
    {
        const string name = "directional_ci_above_half";
        if (!config.RequireDirectionalAboveHalfByCi)
        {
            return Skip(name, "skipped: require_directional_above_half_by_ci is off");
        }

        var passed = m.DirectionalCiLow > 0.5;
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is above a coin: its 95% Wilson lower bound {m.DirectionalCiLow:F3} is above 0.5")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not reliably better than a coin: its 95% Wilson lower bound {m.DirectionalCiLow:F3} on {m.NDirectional} bars is not above 0.5");
        return Check(name, passed, m.DirectionalCiLow, 0.5, reason);
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

    private static PolicyCheck MaxDrawdown(ModelMetrics m, PromotionPolicyConfig config)
    {
        var passed = m.MaxDrawdown <= config.MaxDrawdownCap;
        var reason = passed
            ? F($"the candidate's max drawdown {m.MaxDrawdown:P2} is within the cap of {config.MaxDrawdownCap:P2}")
            : F($"the candidate's max drawdown {m.MaxDrawdown:P2} exceeds the cap of {config.MaxDrawdownCap:P2}");
        return Check("max_drawdown", passed, m.MaxDrawdown, config.MaxDrawdownCap, reason);
    }

    private static PolicyCheck Comparable(ModelMetrics candidate, ModelMetrics baseline, ModelMetrics? production)
    {
        const string name = "comparable_evaluation";
        if (!SameTest(candidate, baseline))
        {
            return Check(name, false, null, null, F($"the baseline was evaluated on {Describe(baseline)} but the candidate on {Describe(candidate)}; compute both on the same test part"));
        }

        if (production is not null && !SameTest(candidate, production))
        {
            return Check(name, false, null, null, F($"production was evaluated on {Describe(production)} but the candidate on {Describe(candidate)}; re-evaluate production on the candidate's test part before comparing"));
        }

        var what = production is null ? "the baseline was" : "the baseline and production were";
        return Check(name, true, null, null, F($"{what} evaluated on the candidate's {candidate.NTest} test bars with the same settings"));
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

    private static PolicyCheck DirectionalVsProduction(ModelMetrics m, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "directional_vs_production";
        if (production is null)
        {
            return Skip(name, NoProduction);
        }

        // A production model without a single scored directional call is treated as a coin, not as always wrong.
        var productionValue = production.DirectionalAccuracy ?? 0.5;
        var threshold = productionValue + config.MinDirectionalImprovement;
        var passed = m.DirectionalAccuracy > threshold;
        var margin = config.MinDirectionalImprovement > 0 ? F($" + {config.MinDirectionalImprovement:F3} required improvement") : string.Empty;
        var reason = passed
            ? F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is above production's {Show(production.DirectionalAccuracy)}{margin}")
            : F($"the candidate's directional accuracy {Show(m.DirectionalAccuracy)} is not above production's {Show(production.DirectionalAccuracy)}{margin}");
        return Check(name, passed, m.DirectionalAccuracy, threshold, reason);
    }

    private static PolicyCheck DrawdownVsProduction(ModelMetrics m, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "drawdown_vs_production";
        if (production is null)
        {
            return Skip(name, NoProduction);
        }

        // A production model that hardly traded has a drawdown near 0 that no useful successor could match; it is no
        // benchmark, and keeping it would leave a bad production model in place forever. The absolute cap still applies.
        if (production.NTrades < config.MinTrades)
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

    private static PolicyCheck SharpeVsProduction(ModelMetrics m, ModelMetrics? production, PromotionPolicyConfig config)
    {
        const string name = "sharpe_vs_production";
        if (!config.RequireSharpeImprovement)
        {
            return Skip(name, "skipped: require_sharpe_improvement is off");
        }

        if (production is null)
        {
            return Skip(name, NoProduction);
        }

        var threshold = production.Sharpe - config.SharpeTolerance;
        var tolerance = config.SharpeTolerance > 0 ? F($" minus the tolerance {config.SharpeTolerance:F2}") : string.Empty;
        var passed = m.Sharpe > threshold;
        var reason = passed
            ? F($"the candidate's Sharpe ratio {m.Sharpe:F2} is above production's {production.Sharpe:F2}{tolerance}")
            : F($"the candidate's Sharpe ratio {m.Sharpe:F2} does not improve on production's {production.Sharpe:F2}{tolerance}");
        return Check(name, passed, m.Sharpe, threshold, reason);
    }

    private static string Summary(ModelMetrics m, ModelMetrics baseline, ModelMetrics? production, int checks)
    {
        var versus = production is null
            ? "there was no production model to beat"
            : F($"production had {Show(production.DirectionalAccuracy)} and Sharpe {production.Sharpe:F2}");
        return F($"promoted: all {checks} checks passed; directional accuracy {Show(m.DirectionalAccuracy)} (95% CI {m.DirectionalCiLow:F3}–{m.DirectionalCiHigh:F3}) on {m.NDirectional} bars, return {m.TotalReturn:P2} vs the {BaselineName(baseline)}'s {baseline.TotalReturn:P2}, Sharpe {m.Sharpe:F2}, max drawdown {m.MaxDrawdown:P2}; {versus}");
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
        new() { Name = name, Passed = passed, Observed = observed, Threshold = threshold, Reason = reason };

    private static PolicyCheck Skip(string name, string reason) => new() { Name = name, Passed = true, Skipped = true, Reason = reason };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
