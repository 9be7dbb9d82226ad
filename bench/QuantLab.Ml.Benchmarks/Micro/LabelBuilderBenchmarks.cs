using BenchmarkDotNet.Attributes;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>Phase 3 on one day of one-second bars.</summary>
public class LabelBuilderBenchmarks
{
    [GlobalSetup]
    public void Setup() => _ = MicroInputs.OneDay;

    [Benchmark]
    public LabelSet BuildLabels() => LabelBuilder.Build(MicroInputs.OneDay.Bars, MicroInputs.OneDay.Config);
}
