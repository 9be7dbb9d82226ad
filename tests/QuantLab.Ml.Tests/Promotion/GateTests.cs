using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>The gate's evidence rules: effective samples, Pesaran–Timmermann, HAC PSR, DSR over the trial ledger, the paired champion test.</summary>
[Trait("Category", "Unit")]
public sealed class GateTests
{
    private static readonly PromotionPolicyConfig Defaults = new();

    private static PolicyCheck Check(PromotionDecision decision, string name) => Assert.Single(decision.Checks, c => c.Name == name);

    private static string[] Failed(PromotionDecision decision) => decision.Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();

    [Fact]
    public void Effective_samples_divide_the_calls_by_the_horizon_and_round_down()
    {
        var m = SampleMetrics.Good() with { NDirectional = 109, DirectionalAccuracy = 87.0 / 109 };

        var e = PromotionPolicy.Evidence(m, TrialStats.One);

        Assert.Equal((109, 87, 10), (e.DirectionalSamples, e.DirectionalHits, e.EffectiveDirectionalSamples));
    }

    [Fact]
    public void An_always_flat_model_is_rejected_for_making_no_directional_calls_whatever_its_accuracy()
    {
        var labels = Enumerable.Repeat(1, 9_800).Concat(Enumerable.Repeat(2, 100)).Concat(Enumerable.Repeat(0, 100)).ToArray();
        var forward = labels.Select(l => l switch { 2 => 0.001, 0 => -0.001, _ => 0.0 }).ToArray();
        var flat = Enumerable.Range(0, labels.Length).SelectMany(_ => new[] { 0.01f, 0.98f, 0.01f }).ToArray();
        var window = Windows.Flat(labels, forward);
        var candidate = MetricsCalculator.Compute(flat, window, SampleMetrics.Evaluation);
        var baseline = MetricsCalculator.ComputeNoPosition(window, SampleMetrics.Evaluation);

        var decision = PromotionPolicy.Decide(candidate, baseline, null, Defaults);

        Assert.Equal(0.98, candidate.Accuracy);
        Assert.False(decision.IsPromoted);
        Assert.Equal("directional_samples", decision.Checks.First(c => !c.Passed).Name);
        Assert.StartsWith("the model made no directional predictions: 0 directional calls", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Probabilistic_sharpe_is_the_hac_z_score_of_the_per_bar_sharpe()
    {
        // Sharpe 0.01 ± 0.008 per bar: PSR = Φ(1.25) = 0.894350.
        var weak = SampleMetrics.Good() with { SharpePerBar = 0.01, SharpePerBarSe = 0.008, ProbabilisticSharpe = SerialStatistics.ProbabilisticSharpe(new HacEstimate(0.01, 0.008, 10, 10_000)) };

        var decision = PromotionPolicy.Decide(weak, SampleMetrics.AlwaysFlatBaseline(), null, Defaults);

        Assert.Equal(0.8943502263, weak.ProbabilisticSharpe, 1e-9);
        Assert.Equal(["probabilistic_sharpe", "deflated_sharpe"], Failed(decision));
        Assert.Contains("may be luck: PSR(0) = 0.894", decision.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("Newey–West, lag 10", decision.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Deflated_sharpe_gates_from_the_first_trial_and_deflates_by_the_variance_of_the_trials_sharpes()
    {
        // Sharpe 0.02 ± 0.005. One trial: DSR = PSR = Φ(4). 20 trials whose Sharpe ratios vary with V = 0.0001 (sd 0.01):
        // E[max] = 0.01·((1−γ)Φ⁻¹(0.95) + γΦ⁻¹(1 − 1/(20e))) = 0.019007; DSR = Φ((0.02 − 0.019007)/0.005) = 0.578716.
        var candidate = SampleMetrics.Good();
        var once = PromotionPolicy.Decide(new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), Trials = TrialStats.One }, Defaults);
        var twenty = PromotionPolicy.Decide(
            new GateInputs { Candidate = candidate, Baseline = SampleMetrics.AlwaysFlatBaseline(), Trials = new TrialStats { Count = 20, SharpeVariance = 1e-4 } }, Defaults);

        Assert.True(once.IsPromoted, string.Join("; ", once.Reasons));
        Assert.False(Check(once, "deflated_sharpe").Skipped);
        Assert.Equal(Statistics.NormalCdf(4), once.Evidence!.DeflatedSharpe, 1e-12);
        Assert.Equal(0.01900707951, twenty.Evidence!.ExpectedMaxSharpe, 1e-10);
        Assert.Equal(Statistics.NormalCdf((0.02 - 0.01900707951) / 0.005), twenty.Evidence.DeflatedSharpe, 1e-9);
        Assert.Equal(["deflated_sharpe"], Failed(twenty));
        Assert.Contains("after 20 trials of this symbol", twenty.Reasons.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Trial_stats_count_every_trial_and_take_the_sample_variance_of_the_known_sharpes()
    {
        var stats = TrialStats.Of([0.01, 0.03, double.NaN, 0.02]);

        Assert.Equal(4, stats.Count);
        Assert.Equal(1e-4, stats.SharpeVariance, 1e-15); // values 0.01, 0.02, 0.03: sample variance 0.0001
    }

    private static GateInputs WithChampion(ModelMetrics champion, PairedTest? paired) => new()
    {
        Candidate = SampleMetrics.Good(),
        Baseline = SampleMetrics.AlwaysFlatBaseline(),
        Champion = new ChampionScore { Comparison = ChampionComparison.SameFeatures, Metrics = champion, Reason = "re-scored" },
        Paired = paired,
    };

    private static PairedTest Paired(double p) => new() { Bars = 10_009, MeanDifference = 2e-6, StandardError = 1e-6, Lag = 13, Statistic = 2, PValue = p };

    [Fact]
    public void By_default_a_sound_champion_is_replaced_only_by_a_significantly_better_candidate_on_the_same_bars()
    {
        var better = PromotionPolicy.Decide(WithChampion(SampleMetrics.Production(), Paired(0.02)), Defaults);
        var notSignificant = PromotionPolicy.Decide(WithChampion(SampleMetrics.Production(), Paired(0.2)), Defaults);

        Assert.True(better.IsPromoted, string.Join("; ", better.Reasons));
        Assert.Equal(["beats_champion_paired"], Failed(notSignificant));
        Assert.Contains("not significantly better than the champion net of costs: Diebold–Mariano on 10009 same bars", notSignificant.Reasons.Single(), StringComparison.Ordinal);
        Assert.All(better.Checks.Where(c => c.Name.EndsWith("_vs_production", StringComparison.Ordinal)), c => Assert.True(c.Skipped));
    }

    [Fact]
    public void A_stale_champion_that_fails_the_absolute_checks_on_this_window_is_replaced_without_the_paired_evidence()
    {
        var stale = SampleMetrics.Production() with { TotalReturn = -0.02, MeanReturnPerBar = -2e-6, SharpePerBar = -0.01, ProbabilisticSharpe = 0.02 };

        var decision = PromotionPolicy.Decide(WithChampion(stale, Paired(0.3)), Defaults);

        Assert.True(decision.IsPromoted, string.Join("; ", decision.Reasons));
        Assert.Contains("the champion fails the absolute checks on this window (positive_return, probabilistic_sharpe, beats_baseline_return, beats_baseline_sharpe)", Check(decision, "beats_champion_paired").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_paired_test_is_diebold_mariano_on_the_per_bar_difference()
    {
        var a = new[] { 0.002, -0.001, 0.003, 0.0, 0.001, 0.002 };
        var b = new[] { 0.001, -0.001, 0.001, 0.001, 0.0, 0.001 };
        var candidate = SampleMetrics.Good() with { PeriodReturns = a, Evaluation = SampleMetrics.Evaluation with { HorizonBars = 1, HacLag = 1 } };
        var champion = SampleMetrics.Good() with { PeriodReturns = b };

        var test = PairedTest.Of(candidate, champion);

        // d = [1, 0, 2, −1, 1, 1]e-3: mean 2/3e-3; γ0 = 5/6·... computed by hand with Bartlett weight 1/2 at lag 1:
        // demeaned [1/3, −2/3, 4/3, −5/3, 1/3, 1/3]e-3; γ0 = (1+4+16+25+1+1)/9/6 = 48/54 e-6; γ1 = (−2/9 − 8/9 − 20/9 − 5/9 + 1/9)/6 = −34/54 e-6.
        var lrv = (48.0 / 54 + (2 * 0.5 * -34.0 / 54)) * 1e-6;
        Assert.Equal(6, test.Bars);
        Assert.Equal(2.0 / 3 * 1e-3, test.MeanDifference, 1e-15);
        Assert.Equal(Math.Sqrt(lrv / 6), test.StandardError, 1e-15);
        Assert.Equal(1 - Statistics.NormalCdf(test.MeanDifference / test.StandardError), test.PValue, 1e-12);
    }

    [Fact]
    public void The_seed_rule_stays_available_and_compares_on_the_same_bars()
    {
        var decision = PromotionPolicy.Decide(WithChampion(SampleMetrics.Good() with { DirectionalAccuracy = 0.58, SharpePerBar = 0.04 }, null), SampleMetrics.Seed);

        Assert.Equal(["directional_vs_production", "sharpe_vs_production"], Failed(decision));
        Assert.True(Check(decision, "beats_champion_paired").Skipped);
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
        Assert.All(rejected.Checks.Where(c => c.Name.EndsWith("_vs_production", StringComparison.Ordinal) || c.Name == "beats_champion_paired"), c => Assert.True(c.Skipped));
        Assert.True(absolute.IsPromoted, string.Join("; ", absolute.Reasons));
        Assert.True(Check(absolute, "comparable_evaluation").Skipped);
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
