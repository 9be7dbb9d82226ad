using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>The gate's evidence rules: effective samples, binomial test, majority direction, PSR, DSR, champion comparability.</summary>
[Trait("Category", "Unit")]
public sealed class GateTests
{
    private static readonly PromotionPolicyConfig Defaults = new();

    private static PolicyCheck Check(PromotionDecision decision, string name) => Assert.Single(decision.Checks, c => c.Name == name);

    private static string[] Failed(PromotionDecision decision) => decision.Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();

    [Fact]
    public void Effective_samples_divide_by_the_horizon_and_the_binomial_p_value_is_the_hand_counted_tail()
    {
        // 100 scored bars at H = 10 are 10 independent outcomes; 80 % right is 8 of 10: P(X >= 8) = (45 + 10 + 1) / 1024.
        var m = SampleMetrics.Good() with { NDirectional = 100, DirectionalAccuracy = 0.8 };

        var e = PromotionPolicy.Evidence(m, candidatesTried: 1);

        Assert.Equal(10, e.HorizonBars);
        Assert.Equal((100, 80, 10, 8), (e.DirectionalSamples, e.DirectionalHits, e.EffectiveDirectionalSamples, e.EffectiveDirectionalHits));
        Assert.Equal(56.0 / 1024, e.BinomialPValue, 1e-15);
    }

    [Fact]
    public void Effective_counts_round_down_so_the_test_never_claims_more_evidence_than_there_is()
    {
        // 87 of 109: n_eff = floor(10.9) = 10, k_eff = floor(87 * 10 / 109) = floor(7.98) = 7; P(X >= 7) = 176 / 1024.
        var m = SampleMetrics.Good() with { NDirectional = 109, DirectionalAccuracy = 87.0 / 109 };

        var e = PromotionPolicy.Evidence(m, 1);

        Assert.Equal((10, 7), (e.EffectiveDirectionalSamples, e.EffectiveDirectionalHits));
        Assert.Equal(176.0 / 1024, e.BinomialPValue, 1e-15);
        Assert.Equal(10.9, Statistics.EffectiveSampleSize(109, 10), 1e-12);
    }

    [Fact]
    public void The_same_hit_rate_is_evidence_on_many_bars_and_not_on_few()
    {
        // 56 % on 3000 scored bars (300 effective): p ≈ 0.02. On 1000 bars (100 effective, 56 hits): p ≈ 0.14.
        var many = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), null, Defaults);
        var few = PromotionPolicy.Decide(SampleMetrics.Good() with { NDirectional = 1_000 }, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.True(many.IsPromoted, string.Join("; ", many.Reasons));
        Assert.Equal(["directional_binomial"], Failed(few));
        Assert.Equal(Statistics.BinomialPValueAboveHalf(56, 100), Check(few, "directional_binomial").Observed!.Value, 1e-15);
        Assert.Contains("not significantly better than a coin", few.Reasons.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_count_that_ignores_overlapping_labels_would_have_passed_what_the_gate_rejects()
    {
        // 53 % on 3000 bars: the Wilson bound on the raw count is above 0.5, but 159 of 300 independent outcomes is a coin.
        var candidate = SampleMetrics.Good() with { DirectionalAccuracy = 0.53 };
        Assert.True(Statistics.WilsonInterval(1_590, 3_000).Low > 0.5);

        var decision = PromotionPolicy.Decide(candidate, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.Equal(["directional_binomial"], Failed(decision));
        Assert.True(decision.Evidence!.BinomialPValue > 0.1);
    }

    [Fact]
    public void An_always_flat_model_is_rejected_for_making_no_directional_calls_whatever_its_accuracy()
    {
        var labels = Enumerable.Repeat(1, 9_800).Concat(Enumerable.Repeat(2, 100)).Concat(Enumerable.Repeat(0, 100)).ToArray();
        var forward = labels.Select(l => l switch { 2 => 0.001, 0 => -0.001, _ => 0.0 }).ToArray();
        var flat = Enumerable.Range(0, labels.Length).SelectMany(_ => new[] { 0.01f, 0.98f, 0.01f }).ToArray();
        var candidate = MetricsCalculator.Compute(flat, labels, forward, SampleMetrics.Evaluation);
        var baseline = MetricsCalculator.ComputeBaseline(labels, forward, SampleMetrics.Evaluation, majorityClassFromTrain: 1);

        var decision = PromotionPolicy.Decide(candidate, baseline, null, Defaults);

        Assert.Equal(0.98, candidate.Accuracy);
        Assert.False(decision.IsPromoted);
        Assert.Equal("directional_samples", decision.Checks.First(c => !c.Passed).Name);
        Assert.StartsWith("the candidate made no directional predictions that could be scored: 0 scored directional bars", decision.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("predicted flat on 100.0", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Always_predicting_the_trend_of_the_window_is_not_skill()
    {
        // The window went up on 60 % of its moving bars; a model that is right 58 % of the time is below that.
        var trending = SampleMetrics.Good() with
        {
            DirectionalAccuracy = 0.58,
            RealizedClassCounts = new ClassCounts { Down = 2_000, Flat = 5_000, Up = 3_000 },
        };

        var decision = PromotionPolicy.Decide(trending, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.Equal(["directional_above_majority"], Failed(decision));
        Assert.Equal(0.6, Check(decision, "directional_above_majority").Threshold!.Value, 1e-12);
        Assert.Contains("always predicting up would score", decision.Reasons.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Probabilistic_sharpe_uses_the_per_period_sharpe_skew_and_raw_kurtosis()
    {
        // SR 0.1 over 101 periods, normal shape: z = 0.1·√100 / √(1 + (3 − 1)/4·0.01) → Φ(0.99751) = 0.84074.
        var normal = SampleMetrics.Good() with { SharpePerPeriod = 0.1, NPeriods = 101, ReturnSkewness = 0, ReturnKurtosis = 3 };
        // Negative skew and fat tails widen the error: √(1 + 0.5·0.1 + 5/4·0.01) → Φ(0.97014) = 0.83401.
        var fat = normal with { ReturnSkewness = -0.5, ReturnKurtosis = 6 };

        Assert.Equal(0.8407413278, PromotionPolicy.Evidence(normal, 1).ProbabilisticSharpe, 1e-9);
        Assert.Equal(0.8340122665, PromotionPolicy.Evidence(fat, 1).ProbabilisticSharpe, 1e-9);
        var decision = PromotionPolicy.Decide(normal, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);
        Assert.Equal(["probabilistic_sharpe"], Failed(decision));
        Assert.Contains("may be luck: PSR(0) = 0.841", decision.Reasons.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deflated_sharpe_is_reported_always_and_gates_from_the_configured_number_of_tries()
    {
        // SR 0.1 over 101 periods: the best of 20 worthless tries would show 0.1·((1−γ)Φ⁻¹(0.95) + γΦ⁻¹(1 − 1/(20e))) = 0.19007.
        var candidate = SampleMetrics.Good() with { SharpePerPeriod = 0.1, NPeriods = 101 };
        var lenient = Defaults with { MinProbabilisticSharpe = 0.5 };

        var once = PromotionPolicy.Decide(new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), CandidatesTried = 1 }, lenient);
        var nineteen = PromotionPolicy.Decide(new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), CandidatesTried = 19 }, lenient);
        var twenty = PromotionPolicy.Decide(new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), CandidatesTried = 20 }, lenient);

        Assert.Equal(once.Evidence!.ProbabilisticSharpe, once.Evidence.DeflatedSharpe, 1e-15); // one try: nothing to deflate
        Assert.True(once.IsPromoted && nineteen.IsPromoted, string.Join("; ", nineteen.Reasons));
        Assert.True(Check(nineteen, "deflated_sharpe").Skipped);
        Assert.Equal(0.1900707951, twenty.Evidence!.ExpectedMaxSharpe, 1e-9);
        Assert.Equal(0.1844689574, twenty.Evidence.DeflatedSharpe, 1e-9);
        Assert.Equal(["deflated_sharpe"], Failed(twenty));
        Assert.Contains("after 20 candidates tried", twenty.Reasons.Single(), StringComparison.Ordinal);
        Assert.True(PromotionPolicy.Decide(new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), CandidatesTried = 20 }, lenient with { RequireDeflatedSharpe = false }).IsPromoted);
    }

    [Fact]
    public void A_champion_that_could_not_be_scored_on_the_window_blocks_promotion_with_the_force_hint()
    {
        var champion = new ChampionScore
        {
            JobId = "job-btcusdt-20260101-aaaaaaaaaaaa",
            Comparison = ChampionComparison.NotComparable,
            Metrics = SampleMetrics.Production() with { DirectionalAccuracy = 0.40 }, // its old window: must not be compared with
            Reason = "the champion was trained on another target (a horizon of 20 bars vs the candidate's 10)",
        };
        var inputs = new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), Champion = champion };

        var rejected = PromotionPolicy.Decide(inputs, Defaults);
        var absolute = PromotionPolicy.Decide(inputs, Defaults with { WhenChampionNotComparable = IncomparableChampionRule.AbsoluteRulesOnly });

        Assert.Equal(["comparable_evaluation"], Failed(rejected));
        Assert.Equal("champion not comparable; promote --force to replace it: the champion was trained on another target (a horizon of 20 bars vs the candidate's 10)", rejected.Reasons.Single());
        Assert.All(rejected.Checks.Where(c => c.Name.EndsWith("_vs_production", StringComparison.Ordinal)), c => Assert.True(c.Skipped));
        Assert.True(absolute.IsPromoted, string.Join("; ", absolute.Reasons));
        Assert.True(Check(absolute, "comparable_evaluation").Skipped);
    }

    [Fact]
    public void A_champion_scored_with_its_own_features_on_the_same_window_is_compared_like_for_like()
    {
        var champion = new ChampionScore
        {
            Comparison = ChampionComparison.OwnFeatures,
            Metrics = SampleMetrics.Good() with { DirectionalAccuracy = 0.58, Sharpe = 4 },
            Reason = "re-scored with its own features",
        };

        var decision = PromotionPolicy.Decide(new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), Champion = champion }, Defaults);

        Assert.Equal(["directional_vs_production", "sharpe_vs_production"], Failed(decision));
        Assert.Contains("its own feature configuration", Check(decision, "comparable_evaluation").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_champion_claimed_comparable_but_scored_on_another_test_part_is_not_compared()
    {
        var champion = new ChampionScore { Comparison = ChampionComparison.SameFeatures, Metrics = SampleMetrics.Production() with { NTest = 7_000 }, Reason = "?" };

        var decision = PromotionPolicy.Decide(new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), Champion = champion }, Defaults);

        Assert.Equal(["comparable_evaluation"], Failed(decision));
        Assert.Contains("7000 bars", decision.Reasons.Single(), StringComparison.Ordinal);
    }
}
