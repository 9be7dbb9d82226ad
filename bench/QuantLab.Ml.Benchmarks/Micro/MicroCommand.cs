using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>`micro [BenchmarkDotNet arguments]`: the in-process micro-benchmarks of the dataset kernels.</summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromTypes(
        [
            typeof(BarAndLabelBenchmarks),
            typeof(FeatureBuilderBenchmarks),
            typeof(NpzBenchmarks),
        ]).Run(args.Length == 0 ? ["--filter", "*"] : args, QuickConfig());
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }

    /// <summary>
    /// A short in-process job: each kernel runs for milliseconds, so 3 warm-up and 8 measured iterations are plenty, and
    /// the whole set finishes in a few minutes on 2 cores. In-process also spares generating and building a separate
    /// project, which this repository's central package management and warnings-as-errors would refuse.
    /// </summary>
    private static ManualConfig QuickConfig() =>
        DefaultConfig.Instance
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(3)
                .WithIterationCount(8)
                .WithId("Quick"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary);
}
