using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

[Trait("Category", "Unit")]
public sealed class PromotionPolicyConfigTests
{
    [Fact]
    public void Defaults_are_the_documented_thresholds()
    {
        var config = new PromotionPolicyConfig();

        config.Validate();
        Assert.Equal(100, config.MinDirectionalSamples);
        Assert.Equal(20, config.MinTrades);
        Assert.True(config.RequireDirectionalSignificance);
        Assert.Equal(0.05, config.DirectionalSignificance);
        Assert.Equal(ChampionTest.Paired, config.ChampionRule);
        Assert.Equal(0.05, config.ChampionSignificance);
        Assert.True(config.RequirePositiveReturn);
        Assert.Equal(0.95, config.MinProbabilisticSharpe);
        Assert.Equal(0.25, config.MaxDrawdownCap);
        Assert.True(config.MustBeatBaseline);
        Assert.Equal(0.005, config.MinDirectionalImprovement);
        Assert.Equal(IncomparableChampionRule.Reject, config.WhenChampionNotComparable);
        Assert.True(config.RequireDeflatedSharpe);
        Assert.Equal(1, config.DeflatedSharpeMinTrials);
        Assert.Equal(0.95, config.MinDeflatedSharpe);
        Assert.Equal(1.1, config.MaxDrawdownVsProductionFactor);
        Assert.True(config.RequireSharpeImprovement);
        Assert.Equal(0.0, config.SharpeTolerance);
    }

    public static TheoryData<PromotionPolicyConfig, string> Invalid => new()
    {
        { new() { MinDirectionalSamples = 0 }, "MinDirectionalSamples" },
        { new() { MinTrades = -1 }, "MinTrades" },
        { new() { MaxDrawdownCap = 0 }, "MaxDrawdownCap" },
        { new() { MaxDrawdownCap = 25 }, "MaxDrawdownCap" }, // a percentage where a fraction is meant
        { new() { MaxDrawdownCap = double.NaN }, "MaxDrawdownCap" },
        { new() { MinDirectionalImprovement = -0.01 }, "MinDirectionalImprovement" },
        { new() { MaxDrawdownVsProductionFactor = 0 }, "MaxDrawdownVsProductionFactor" },
        { new() { DrawdownVsProductionFloor = 0.5 }, "DrawdownVsProductionFloor" },
        { new() { SharpeTolerance = -0.1 }, "SharpeTolerance" },
        { new() { DirectionalSignificance = 0 }, "DirectionalSignificance" },
        { new() { DirectionalSignificance = 5 }, "DirectionalSignificance" }, // a percentage where a level is meant
        { new() { MinProbabilisticSharpe = 1 }, "MinProbabilisticSharpe" },
        { new() { WhenChampionNotComparable = (IncomparableChampionRule)7 }, "WhenChampionNotComparable" },
        { new() { DeflatedSharpeMinTrials = 0 }, "DeflatedSharpeMinTrials" },
        { new() { MinDeflatedSharpe = -0.5 }, "MinDeflatedSharpe" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_out_of_range_thresholds_naming_the_setting(PromotionPolicyConfig config, string setting)
    {
        var ex = Assert.Throws<UsageException>(config.Validate);
        Assert.StartsWith("Promotion:" + setting + " = ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(": must be ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluation_config_takes_horizon_and_bar_length_from_the_dataset()
    {
        var evaluation = EvaluationConfig.For(new QuantLab.Ml.Dataset.DatasetConfig { HorizonBars = 30, BarSeconds = 5 }, costBps: 2);

        Assert.Equal(new EvaluationConfig { HorizonBars = 30, BarSeconds = 5, CostBps = 2 }, evaluation);
        Assert.Throws<UsageException>(() => (evaluation with { HorizonBars = 0 }).Validate());
    }
}
