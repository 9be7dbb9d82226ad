using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

[Trait("Category", "Unit")]
public sealed class PromotionPolicyTests
{
    private static readonly PromotionPolicyConfig Defaults = new();

    private static PolicyCheck Check(PromotionDecision decision, string name) => Assert.Single(decision.Checks, c => c.Name == name);

    private static string[] Failed(PromotionDecision decision) => decision.Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();

    [Fact]
    public void Rejects_model_that_only_predicts_flat_despite_accuracy_of_098()
    {
        // 1000 test bars: 980 flat, 10 up (+1 %), 10 down (−1 %); the model puts 0.98 on flat every time.
        var labels = Enumerable.Repeat(1, 980).Concat(Enumerable.Repeat(2, 10)).Concat(Enumerable.Repeat(0, 10)).ToArray();
        var forward = labels.Select(l => l switch { 2 => 0.01, 0 => -0.01, _ => 0.0 }).ToArray();
        var probabilities = Enumerable.Range(0, labels.Length).SelectMany(_ => new[] { 0.01f, 0.98f, 0.01f }).ToArray();
        var window = Windows.Flat(labels, forward);
        var candidate = MetricsCalculator.Compute(probabilities, window, SampleMetrics.Evaluation);
        var baseline = MetricsCalculator.ComputeNoPosition(window, SampleMetrics.Evaluation);
        Assert.Equal(0.98, candidate.Accuracy);

        var decision = PromotionPolicy.Decide(candidate, baseline, production: null, Defaults);

        Assert.Equal(PromotionOutcome.Rejected, decision.Decision);
        Assert.False(Check(decision, "directional_samples").Passed);
        Assert.Contains("no directional predictions", decision.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("predicted flat on 100.0", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_model_that_almost_never_calls_a_direction()
    {
        var candidate = SampleMetrics.Good() with { NDirectional = 12, FlatOutcomeCalls = 2 };

        var decision = PromotionPolicy.Decide(candidate, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.Equal(PromotionOutcome.Rejected, decision.Decision);
        Assert.Equal(["directional_samples"], Failed(decision));
        Assert.StartsWith("the model made almost no directional predictions: 12 directional calls (2 of them with a flat outcome) / horizon 10 = 1 effective samples", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Promotes_good_model_when_there_is_no_production()
    {
        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.Equal(PromotionOutcome.Promoted, decision.Decision);
        Assert.False(decision.HadProduction);
        Assert.All(decision.Checks, c => Assert.True(c.Passed, c.Reason));
        Assert.All(decision.Checks.Where(c => c.Name.EndsWith("_vs_production", StringComparison.Ordinal) || c.Name == "beats_champion_paired"), c => Assert.True(c.Skipped));
        Assert.Contains("no production model", Assert.Single(decision.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Absolute_rules_hold_without_a_production_model()
    {
        var risky = SampleMetrics.Good() with { MaxDrawdown = 0.30 };
        var losing = SampleMetrics.Good() with { TotalReturn = -0.01, MeanReturnPerBar = -1e-6, SharpePerBar = -0.004, ProbabilisticSharpe = Statistics.NormalCdf(-0.8) };
        var coinFlip = SampleMetrics.Good() with { DirectionalAccuracy = 0.53, DirectionalPtPValue = 0.15 };
        var idle = SampleMetrics.Good() with { NTrades = 5 };

        Assert.Equal(["max_drawdown"], Failed(PromotionPolicy.Decide(risky, SampleMetrics.AlwaysFlatBaseline(), null, Defaults)));
        Assert.Equal(["positive_return", "probabilistic_sharpe", "beats_baseline_return", "beats_baseline_sharpe", "deflated_sharpe"], Failed(PromotionPolicy.Decide(losing, SampleMetrics.AlwaysFlatBaseline(), null, Defaults)));
        Assert.Equal(["directional_pesaran_timmermann"], Failed(PromotionPolicy.Decide(coinFlip, SampleMetrics.AlwaysFlatBaseline(), null, Defaults)));
        Assert.Equal(["trades"], Failed(PromotionPolicy.Decide(idle, SampleMetrics.AlwaysFlatBaseline(), null, Defaults)));
    }

    [Fact]
    public void Seed_rule_promotes_model_that_beats_production_on_every_measure()
    {
        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), SampleMetrics.Production(), SampleMetrics.Seed);

        Assert.Equal(PromotionOutcome.Promoted, decision.Decision);
        Assert.True(decision.HadProduction);
        Assert.All(decision.Checks.Where(c => c.Name != "beats_champion_paired"), c => Assert.False(c.Skipped, c.Name));
        Assert.True(Check(decision, "beats_champion_paired").Skipped);
        Assert.False(Check(decision, "deflated_sharpe").Skipped); // gates from the first trial, where it equals PSR
        Assert.Equal(decision.Evidence!.ProbabilisticSharpe, decision.Evidence.DeflatedSharpe, 1e-12);
    }

    [Theory]
    [InlineData(0.57)]
    [InlineData(0.556)] // better, but by less than the default margin of 0.005
    public void Rejects_model_whose_directional_accuracy_does_not_beat_production(double productionDirectional)
    {
        var production = SampleMetrics.Production() with { DirectionalAccuracy = productionDirectional };

        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed);

        Assert.Equal(PromotionOutcome.Rejected, decision.Decision);
        Assert.Equal(["directional_vs_production"], Failed(decision));
        Assert.Equal(productionDirectional + 0.005, Check(decision, "directional_vs_production").Threshold!.Value, 1e-12);
    }

    [Fact]
    public void Required_directional_improvement_raises_the_bar()
    {
        var config = SampleMetrics.Seed with { MinDirectionalImprovement = 0.03 };

        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), SampleMetrics.Production(), config);

        // 0.56 is above production's 0.54 but not above 0.54 + 0.03.
        Assert.Equal(["directional_vs_production"], Failed(decision));
        Assert.Equal(0.57, Check(decision, "directional_vs_production").Threshold!.Value, 1e-12);
    }

    [Theory]
    [InlineData(0.12, false)] // 0.12 > 1.1 × 0.10
    [InlineData(0.105, true)]
    public void Drawdown_may_exceed_production_by_at_most_the_factor(double candidateDrawdown, bool promoted)
    {
        var production = SampleMetrics.Production() with { MaxDrawdown = 0.10 };
        var candidate = SampleMetrics.Good() with { MaxDrawdown = candidateDrawdown };

        var decision = PromotionPolicy.Decide(candidate, SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed);

        Assert.Equal(promoted, decision.IsPromoted);
        var check = Check(decision, "drawdown_vs_production");
        Assert.Equal(promoted, check.Passed);
        Assert.Equal(1.1 * 0.10, check.Threshold!.Value, 1e-12);
    }

    [Fact]
    public void Tiny_production_drawdown_is_lifted_to_the_floor()
    {
        var production = SampleMetrics.Production() with { MaxDrawdown = 0.001 };
        var candidate = SampleMetrics.Good() with { MaxDrawdown = 0.009 };

        var decision = PromotionPolicy.Decide(candidate, SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed);

        Assert.True(decision.IsPromoted, string.Join("; ", decision.Reasons));
        Assert.Equal(0.01, Check(decision, "drawdown_vs_production").Threshold);
    }

    [Fact]
    public void Production_that_never_traded_cannot_block_a_sound_successor()
    {
        var alwaysFlatProduction = SampleMetrics.AlwaysFlatBaseline();

        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), alwaysFlatProduction, SampleMetrics.Seed);

        Assert.True(decision.IsPromoted, string.Join("; ", decision.Reasons));
        Assert.True(Check(decision, "drawdown_vs_production").Skipped);
        Assert.Equal(0.505, Check(decision, "directional_vs_production").Threshold!.Value, 1e-12); // no directional calls counts as a coin
    }

    [Fact]
    public void Rejects_lower_sharpe_than_production_by_default()
    {
        var production = SampleMetrics.Production() with { SharpePerBar = 0.021 };

        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed);

        Assert.Equal(["sharpe_vs_production"], Failed(decision));
        Assert.Contains("does not improve on production's 0.021", decision.Reasons.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sharpe_tolerance_or_switch_lets_a_slightly_lower_sharpe_through()
    {
        var production = SampleMetrics.Production() with { SharpePerBar = 0.021 };

        Assert.True(PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed with { SharpeTolerance = 0.005 }).IsPromoted);
        Assert.True(PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed with { RequireSharpeImprovement = false }).IsPromoted);
    }

    [Fact]
    public void Rejects_model_that_earns_less_than_the_imbalance_rule_through_the_same_execution()
    {
        var imbalance = SampleMetrics.AlwaysFlatBaseline() with
        {
            Strategy = "imbalance_sign",
            PredictedClassCounts = new ClassCounts { Down = 4_000, Flat = 1_000, Up = 5_000 },
            TotalReturn = 0.08,
            MeanReturnPerBar = 8e-6,
            SharpePerBar = 0.01,
            NTrades = 900,
        };

        var decision = PromotionPolicy.Decide(
            new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), ImbalanceBaseline = imbalance }, Defaults);

        Assert.Equal(["beats_baseline_return"], Failed(decision));
        Assert.Contains("imbalance-sign baseline (predicted up 5000, down 4000, flat 1000)", decision.Reasons.Single(), StringComparison.Ordinal);
        Assert.True(PromotionPolicy.Decide(
            new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), ImbalanceBaseline = imbalance }, Defaults with { MustBeatBaseline = false }).IsPromoted);
    }

    [Fact]
    public void Rejects_model_with_a_lower_sharpe_than_a_baseline()
    {
        var imbalance = SampleMetrics.AlwaysFlatBaseline() with { Strategy = "imbalance_sign", MeanReturnPerBar = 1e-6, SharpePerBar = 0.03 };

        var decision = PromotionPolicy.Decide(
            new GateInputs { Candidate = SampleMetrics.Good(), Baseline = SampleMetrics.AlwaysFlatBaseline(), ImbalanceBaseline = imbalance }, Defaults);

        Assert.Equal(["beats_baseline_sharpe"], Failed(decision));
    }

    [Fact]
    public void Rejects_comparison_with_production_evaluated_on_other_data()
    {
        var production = SampleMetrics.Production() with { NTest = 9_000 };
        var otherCost = SampleMetrics.Production() with { Evaluation = SampleMetrics.Evaluation with { CostBps = 0 } };

        var decision = PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), production, SampleMetrics.Seed);

        Assert.Equal(["comparable_evaluation"], Failed(decision));
        Assert.StartsWith(PromotionPolicy.NotComparableReason, decision.Reasons.Single(), StringComparison.Ordinal);
        Assert.Equal(["comparable_evaluation"], Failed(PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), otherCost, Defaults)));
    }

    [Fact]
    public void Not_a_number_fails_the_checks_it_reaches()
    {
        var broken = SampleMetrics.Good() with { SharpePerBar = double.NaN, MaxDrawdown = double.NaN };

        var decision = PromotionPolicy.Decide(broken, SampleMetrics.AlwaysFlatBaseline(), SampleMetrics.Production(), SampleMetrics.Seed);

        Assert.Equal(["max_drawdown", "beats_baseline_sharpe", "deflated_sharpe", "drawdown_vs_production", "sharpe_vs_production"], Failed(decision));
    }

    public static TheoryData<string> Scenarios => ["promoted without production", "promoted with production", "always flat", "worse than production", "switches off"];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_decision_lists_every_check_and_its_failing_reasons(string scenario)
    {
        (ModelMetrics Candidate, ModelMetrics? Production, PromotionPolicyConfig Config) setup = scenario switch
        {
            "promoted without production" => (SampleMetrics.Good(), null, Defaults),
            "promoted with production" => (SampleMetrics.Good(), SampleMetrics.Production(), SampleMetrics.Seed),
            "always flat" => (SampleMetrics.AlwaysFlatBaseline(), null, Defaults),
            "worse than production" => (SampleMetrics.Production(), SampleMetrics.Good(), Defaults),
            _ => (SampleMetrics.Good(), SampleMetrics.Production(), SampleMetrics.Seed with { RequireDirectionalSignificance = false, RequirePositiveReturn = false, MinProbabilisticSharpe = 0, MustBeatBaseline = false, RequireSharpeImprovement = false, RequireDeflatedSharpe = false }),
        };

        var decision = PromotionPolicy.Decide(setup.Candidate, SampleMetrics.AlwaysFlatBaseline(), setup.Production, setup.Config);

        // The names promotion.json readers rely on, in order.
        string[] expected =
        [
            "directional_samples", "trades", "directional_pesaran_timmermann", "positive_return", "probabilistic_sharpe",
            "max_drawdown", "comparable_evaluation", "beats_baseline_return", "beats_baseline_sharpe", "deflated_sharpe",
            "beats_champion_paired", "directional_vs_production", "drawdown_vs_production", "sharpe_vs_production",
        ];
        Assert.Equal(expected, decision.Checks.Select(c => c.Name));
        Assert.All(decision.Checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
        Assert.All(decision.Checks.Where(c => c.Skipped), c => Assert.True(c.Passed));
        if (decision.IsPromoted)
        {
            Assert.All(decision.Checks, c => Assert.True(c.Passed));
            Assert.Single(decision.Reasons);
        }
        else
        {
            Assert.Equal(decision.Checks.Where(c => !c.Passed).Select(c => c.Reason), decision.Reasons);
        }
    }

    [Fact]
    public void Decide_refuses_an_invalid_policy() =>
        Assert.Throws<QuantLab.Ml.Common.UsageException>(() =>
            PromotionPolicy.Decide(SampleMetrics.Good(), SampleMetrics.AlwaysFlatBaseline(), null, Defaults with { MinDirectionalSamples = 0 }));
}
