using QuantLab.Ml.Benchmarks.Dataset;
using QuantLab.Ml.Benchmarks.Micro;

// "dataset" and "micro" are for people and scripts/bench.sh; "child" is how the dataset mode measures one build's peak
// memory in a fresh process of this same program.
return args switch
{
    ["dataset", .. var rest] => await DatasetCommand.RunAsync(rest, CancellationToken.None),
    ["micro", .. var rest] => MicroCommand.Run(rest),
    [ChildRun.Verb, .. var rest] => await ChildRun.RunAsync(rest, CancellationToken.None),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          QuantLab.Ml.Benchmarks dataset --json <file> [--days 1,7] [--repeat 5]
          QuantLab.Ml.Benchmarks micro [BenchmarkDotNet arguments, e.g. --filter *Feature*]
        """);
    return 2;
}
