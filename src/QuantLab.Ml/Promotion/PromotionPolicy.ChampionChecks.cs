namespace QuantLab.Ml.Promotion;

/// <summary>The checks against the champion (production): a comparable evaluation, then the paired test or the seed rules.</summary>
public static partial class PromotionPolicy
{
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
            ? F($"the candidate's directional accuracy {m.DirectionalAccuracy ?? double.NaN:F3} is above production's {production.DirectionalAccuracy ?? double.NaN:F3}{margin} on the same bars")
            : F($"the candidate's directional accuracy {m.DirectionalAccuracy ?? double.NaN:F3} is not above production's {production.DirectionalAccuracy ?? double.NaN:F3}{margin} on the same bars");
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
}
