using BenchmarkDotNet.Attributes;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>
/// Phase 2 on one day of one-second bars: all 15 default features, and each feature family on its own (with the one
/// return window every config must have), so a slow family shows up by itself.
/// </summary>
public class FeatureBuilderBenchmarks
{
    private static readonly DatasetConfig Bare = new()
    {
        ReturnWindows = [1],
        VolatilityWindows = [],
        ImbalanceMeanWindows = [],
        UpdateCountWindows = [],
    };

    private static readonly Dictionary<string, DatasetConfig> Families = new(StringComparer.Ordinal)
    {
        ["all"] = new DatasetConfig(),
        ["returns"] = Bare with { ReturnWindows = new DatasetConfig().ReturnWindows },
        ["volatility"] = Bare with { VolatilityWindows = new DatasetConfig().VolatilityWindows },
        ["imbalance means"] = Bare with { ImbalanceMeanWindows = new DatasetConfig().ImbalanceMeanWindows },
        ["update counts"] = Bare with { UpdateCountWindows = new DatasetConfig().UpdateCountWindows },
    };

    [Params("all", "returns", "volatility", "imbalance means", "update counts")]
    public string Family { get; set; } = "all";

    [GlobalSetup]
    public void Setup() => _ = MicroInputs.OneDay;

    [Benchmark]
    public FeatureMatrix BuildFeatures() => FeatureBuilder.Build(MicroInputs.OneDay.Bars, Families[Family]);
}
