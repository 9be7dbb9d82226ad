using BenchmarkDotNet.Attributes;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>Phase 1 (~500k ticks into 86,400 one-second bars) and phase 3 (labels of those bars) on one day.</summary>
public class BarAndLabelBenchmarks
{
    [GlobalSetup]
    public void Setup() => _ = MicroInputs.OneDay;

    [Benchmark]
    public BarSeries BuildBars() => BarBuilder.Build(MicroInputs.OneDay.Ticks, MicroInputs.OneDay.Config.BarSeconds);

    [Benchmark]
    public LabelSet BuildLabels() => LabelBuilder.Build(MicroInputs.OneDay.Bars, MicroInputs.OneDay.Config);
}
