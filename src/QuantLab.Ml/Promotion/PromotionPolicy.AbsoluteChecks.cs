namespace QuantLab.Ml.Promotion;

/// <summary>The checks a candidate must pass on its own: enough evidence, a real direction, real money net of execution, and more than the baselines.</summary>
public static partial class PromotionPolicy
{
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
        var test = F($"Pesaran–Timmermann p = {e.DirectionalPValue:G3} (hit rate {m.DirectionalAccuracy ?? double.NaN:F3} vs {e.ExpectedHitRate ?? double.NaN:F3} expected without skill, {e.EffectiveDirectionalSamples} effective samples)");
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
}
