using QuantLab.Ml.Cli;

namespace QuantLab.Ml.Tests.Support;

/// <summary>Runs quantlab-ml in-process with its own stdout, stderr, environment and working folder.</summary>
public sealed class CliRunner(string workingDirectory)
{
    /// <summary>
    /// Environment of the CLI. The tests' sample days cover 6 hours (a full day would quadruple every training), so they
    /// pass the data check with DataCheck:MinCoveredHours 6; the check's own tests (Data/) use the defaults. The
    /// end-to-end tests of the pipeline's mechanics (champion re-scoring, alerts, stores) run on one-day sample windows
    /// with the intra-day split and frictionless fills, because the sample signal's 10-second edge does not survive a
    /// taker's spread and 5 bps fee (issue 21); the gate's cost behaviour is tested in Promotion/. A test sets these keys
    /// itself to run with the defaults.
    /// </summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal)
    {
        ["QUANTLAB_DataCheck__MinCoveredHours"] = "6",
        ["QUANTLAB_WindowDays"] = "1",
        ["QUANTLAB_Evaluation__CostBps"] = "0",
        ["QUANTLAB_Evaluation__IncludeSpread"] = "false",
    };

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The machine-wide configuration file this "machine" has; by default one that does not exist, so the real /etc is never read.</summary>
    public string? SystemConfigFile { get; set; } = Path.Combine(workingDirectory, "no-such-etc", "quantlab-ml.json");

    public Task<CliResult> RunAsync(params string[] args) => RunWithTokenAsync(args, TestContext.Current.CancellationToken);

    /// <summary>Runs with a token the test controls: cancelling it is what SIGTERM does to the real process.</summary>
    public async Task<CliResult> RunWithTokenAsync(string[] args, CancellationToken ct)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var host = new CliHost
        {
            Out = output,
            Err = error,
            Environment = Environment,
            CurrentDirectory = workingDirectory,
            Time = Time,
            SystemConfigFile = SystemConfigFile,
        };
        var code = await QuantLabCli.RunAsync(args, host, ct);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

/// <summary>Exit code and captured streams of one invocation.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    /// <summary>The one entry of a `run-daily --json` document's runs (fails the test when there is not exactly one).</summary>
    public System.Text.Json.JsonElement SingleRun()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Stdout);
        return Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray().ToList()).Clone();
    }
}
