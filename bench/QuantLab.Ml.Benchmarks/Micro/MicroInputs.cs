using QuantLab.Ml.Benchmarks.Dataset;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>One synthetic BTCUSDT day (~500k BBO updates, 86,400 one-second bars) and its phases, generated in memory once.</summary>
internal static class MicroInputs
{
    private static readonly Lazy<Inputs> Day = new(() =>
    {
        var ticks = SampleMarket.Generate(SyntheticWindow.Options(1), SyntheticWindow.FirstDay).Rows;
        var config = new DatasetConfig();
        var bars = BarBuilder.Build(ticks, config.BarSeconds);
        var features = FeatureBuilder.Build(bars, config);
        var labels = LabelBuilder.Build(bars, config);
        return new Inputs(ticks, config, bars, features, labels, SplitPlan.Create(features.Rows, config));
    });

    public static Inputs OneDay => Day.Value;

    internal sealed record Inputs(BboColumns Ticks, DatasetConfig Config, BarSeries Bars, FeatureMatrix Features, LabelSet Labels, SplitPlan Split);
}
