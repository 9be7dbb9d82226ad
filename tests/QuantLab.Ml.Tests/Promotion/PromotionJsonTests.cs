using System.Text.Json.Nodes;
using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Promotion;

[Trait("Category", "Unit")]
public sealed class PromotionJsonTests
{
    private static ModelMetrics Computed(params int[] predicted)
    {
        int[] labels = [2, 0, 2, 1, 0, 2];
        var forward = labels.Select(l => l switch { 2 => 0.002, 0 => -0.002, _ => 0.0 }).ToArray();
        var probabilities = predicted.SelectMany(p => Enumerable.Range(0, 3).Select(c => c == p ? 0.6f : 0.2f)).ToArray();
        return MetricsCalculator.Compute(probabilities, Windows.Flat(labels, forward, horizon: 2), new EvaluationConfig { HorizonBars = 2, BarSeconds = 60 });
    }

    [Fact]
    public void Metrics_round_trip_through_snake_case_json_without_the_return_series()
    {
        var metrics = Computed(2, 0, 0, 1, 0, 2);

        var json = AllJson.Serialize(metrics);
        var node = JsonNode.Parse(json)!.AsObject();
        var back = AllJson.Deserialize<ModelMetrics>(json, "metrics.json");

        foreach (var key in new[] { "n_test", "accuracy", "majority_class", "majority_class_rate", "directional_accuracy", "n_directional", "directional_ci_low", "directional_ci_high", "predicted_class_counts", "realized_class_counts", "log_loss", "total_return", "sharpe_per_bar", "sharpe_per_bar_se", "probabilistic_sharpe", "sharpe_annualized_lo", "span_seconds", "flat_outcome_calls", "directional_pt_p_value", "test_window", "max_drawdown", "n_trades", "n_periods", "evaluation" })
        {
            Assert.True(node.ContainsKey(key), $"metrics.json lacks {key}: {json}");
        }

        Assert.False(node.ContainsKey("period_returns"));
        Assert.Equal("up", (string?)node["majority_class"]);
        Assert.Equal(2, (int?)node["predicted_class_counts"]!["up"]);
        Assert.Equal(5.0, (double?)node["evaluation"]!["cost_bps"]); // the documented default taker fee
        Assert.Equal(metrics with { PeriodReturns = [] }, back);
        Assert.Equal(6 + 2 - 1, metrics.PeriodReturns.Count); // one return per bar: test rows + horizon − 1
    }

    [Fact]
    public void Metrics_without_directional_calls_keep_a_null_accuracy_in_json()
    {
        var metrics = Computed(1, 1, 1, 1, 1, 1);

        var json = AllJson.Serialize(metrics);

        Assert.Contains("\"directional_accuracy\": null", json, StringComparison.Ordinal);
        Assert.Null(AllJson.Deserialize<ModelMetrics>(json, "metrics.json").DirectionalAccuracy);
    }

    [Fact]
    public void Decision_round_trips_through_snake_case_json()
    {
        var decision = PromotionPolicy.Decide(SampleMetrics.AlwaysFlatBaseline(), SampleMetrics.AlwaysFlatBaseline(), SampleMetrics.Production(), new PromotionPolicyConfig());

        var json = AllJson.Serialize(decision);
        var node = JsonNode.Parse(json)!.AsObject();
        var back = AllJson.Deserialize<PromotionDecision>(json, "promotion.json");

        Assert.Equal("rejected", (string?)node["decision"]);
        Assert.True((bool?)node["had_production"]);
        Assert.False(node.ContainsKey("is_promoted"));
        var first = node["checks"]![0]!.AsObject();
        Assert.Equal(["name", "passed", "skipped", "observed", "threshold", "reason"], first.Select(p => p.Key));
        Assert.Equal(decision.Decision, back.Decision);
        Assert.Equal(decision.HadProduction, back.HadProduction);
        Assert.Equal(decision.Reasons, back.Reasons);
        Assert.Equal(decision.Checks, back.Checks);
    }

    [Fact]
    public void Metrics_json_missing_a_field_is_refused() =>
        Assert.Throws<QuantLabException>(() => AllJson.Deserialize<ModelMetrics>("{\"n_test\": 5}", "metrics.json"));
}
