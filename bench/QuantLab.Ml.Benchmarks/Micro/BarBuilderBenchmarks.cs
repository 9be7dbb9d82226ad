using BenchmarkDotNet.Attributes;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>Phase 1 on one day: ~500k ticks into 86,400 one-second bars.</summary>
public class BarBuilderBenchmarks
{
    [GlobalSetup]
    public void Setup() => _ = MicroInputs.OneDay;

    [Benchmark]
    public BarSeries BuildBars() => BarBuilder.Build(MicroInputs.OneDay.Ticks, 1);
}
