using QuantLab.Ml.Bench;

// quantlab-ml-bench <sftp|s3> [--size-mb N] [--reps N] --out FILE [--work DIR]
// Connection details come from the variables scripts/lib/services.sh exports (QUANTLAB_TEST_SSH_*, QUANTLAB_TEST_S3_URL).
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    await Console.Error.WriteLineAsync("usage: QuantLab.Ml.Bench <sftp|s3> [--size-mb 256] [--reps 5] --out bench/out/<group>.json [--work DIR]").ConfigureAwait(false);
    return args.Length == 0 ? 2 : 0;
}

var options = BenchArgs.Parse(args.AsSpan(1));
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

IReadOnlyList<BenchRow> rows = args[0] switch
{
    "sftp" => await SftpBench.RunAsync(options, cts.Token).ConfigureAwait(false),
    "s3" => await S3Bench.RunAsync(options, cts.Token).ConfigureAwait(false),
    var other => throw new ArgumentException($"unknown group '{other}' (sftp, s3)"),
};
await BenchRow.WriteAsync(options.Out, rows, cts.Token).ConfigureAwait(false);
return 0;
