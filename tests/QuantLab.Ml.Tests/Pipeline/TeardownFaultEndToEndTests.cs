using System.Diagnostics;
using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>
/// The night's teardown under the faults a real Vast shows (a 500 on DELETE, a DELETE that never verifies, a DELETE that
/// hangs while SIGTERM arrives), on the stateful fake with the loopback sshd as the rented box: nothing keeps billing past
/// the next reap, nothing trained is lost, no record is overwritten, and the process ends inside its termination window.
/// </summary>
[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class TeardownFaultEndToEndTests(SshdFixture sshd) : IAsyncLifetime
{
    private readonly TempDir temp = new();
    private FakeVast vast = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        vast = await FakeVast.StartAsync(ct: Ct);
        vast.ServeFrom(sshd);
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-02-10", "--hours", "6", "--seed", "31", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
    }

    private CliRunner NewCli() => VastCli.Create(temp, vast, sshd);

    private List<JsonElement> Records() =>
        Directory.EnumerateFiles(temp.Combine("store", "runs", "instances"), "*.json")
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone())
            .ToList();

    private bool DecidedAsOnACleanNight(JsonElement run, string symbol) => VastCli.DecidedAsOnACleanNight(run, symbol, temp);

    [Fact]
    public async Task A_destroy_that_fails_once_with_a_500_is_retried_and_the_night_succeeds()
    {
        vast.AddOffer();
        vast.FailNext(FakeVastRoute.DestroyInstance, status: 500);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal("destroyed", Assert.Single(result.SingleRun().GetProperty("instances").EnumerateArray().ToList()).GetProperty("status").GetString());
        Assert.Equal(2, vast.Calls.Count(c => c.Route == FakeVastRoute.DestroyInstance));
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task A_destroy_that_never_verifies_keeps_the_model_fails_the_run_in_one_line_and_the_next_reap_destroys_it()
    {
        vast.AddOffer();
        vast.FailNext(FakeVastRoute.DestroyInstance, status: 500, times: 10_000);
        var cli = NewCli();
        cli.Environment["QUANTLAB_Rental__DestroyBudget"] = "00:00:08";
        cli.Environment["QUANTLAB_Vast__RequestTimeout"] = "00:00:04";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var instanceId = Assert.Single(vast.CreatedInstanceIds);
        var run = result.SingleRun();
        Assert.Equal("failed", run.GetProperty("status").GetString());

        // Nothing trained is lost: evaluated, stored and decided exactly as on a clean night.
        Assert.True(File.Exists(temp.Combine("store", "models", "candidates", "btcusdt", "2026-02-10", "_COMPLETE.json")), result.ToString());
        // (The gate decides on the model alone; since the no-position and imbalance-sign baselines it may reject this sample.)
        var promoted = DecidedAsOnACleanNight(run, "btcusdt");
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains($"Vast instance {instanceId} could not be destroyed", error, StringComparison.Ordinal);
        Assert.Contains("reap-orphans will retry it", error, StringComparison.Ordinal);
        Assert.Contains(promoted ? "stored and promoted" : "stored as the candidate", error, StringComparison.Ordinal);
        var record = Assert.Single(Records());
        Assert.Equal("destroy_failed", record.GetProperty("status").GetString());
        var ownerCost = record.GetProperty("cost_usd").GetDouble();
        Assert.Single(vast.LiveInstances);

        // Vast recovers: the next reap destroys it and appends to the record, which keeps the run's own figures.
        vast.ClearFaults();
        var reap = await NewCli().RunAsync("reap-orphans", "--json");
        Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
        vast.AssertNothingLeftBilling();
        record = Assert.Single(Records());
        Assert.Equal("reaped", record.GetProperty("status").GetString());
        Assert.Equal(ownerCost, record.GetProperty("cost_usd").GetDouble());
        Assert.Contains("destroy failed", record.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("destroyed", Assert.Single(record.GetProperty("reaps").EnumerateArray().ToList()).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_second_run_of_the_same_job_gets_records_of_its_own()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        vast.AddOffer(new FakeOffer { DphBase = 0.31 });
        vast.GoneAnswer = FakeGoneAnswer.EmptyObject;

        var first = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");
        var second = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--force", "--json");

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        var records = Records();
        Assert.Equal(2, records.Count);
        Assert.Equal(2, records.Select(r => r.GetProperty("run_id").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.Equal("destroyed", r.GetProperty("status").GetString()));
        Assert.All(records, r => Assert.True(r.GetProperty("cost_usd").GetDouble() > 0));
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task Cleanup_budgets_that_cannot_fit_the_termination_window_are_refused_before_anything_is_rented()
    {
        vast.AddOffer();
        var cli = NewCli();
        cli.Environment["QUANTLAB_Shutdown__TerminationWindow"] = "00:00:30";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains("Shutdown:TerminationWindow", error, StringComparison.Ordinal);
        Assert.Contains("Rental:DestroyBudget", error, StringComparison.Ordinal);
        Assert.Empty(vast.CreatedInstanceIds);
    }

    [Fact]
    public async Task Sigterm_while_every_destroy_hangs_ends_inside_the_termination_window_with_exit_130_and_an_honest_record()
    {
        vast.AddOffer();
        var cli = NewCli().TrainingSlowly();
        var window = TimeSpan.FromSeconds(30);
        cli.Environment["QUANTLAB_Shutdown__TerminationWindow"] = "00:00:30";
        cli.Environment["QUANTLAB_Shutdown__StoreWriteBudget"] = "00:00:03";
        cli.Environment["QUANTLAB_Rental__DestroyBudget"] = "00:00:10";
        cli.Environment["QUANTLAB_Vast__RequestTimeout"] = "00:00:04";
        cli.Environment["QUANTLAB_Remote__CleanupBudget"] = "00:00:08";
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = temp.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var cliDll = Path.Combine(TestEnvironment.RepoRoot, "src", "QuantLab.Ml.Cli", "bin", configuration, "net10.0", "quantlab-ml.dll");
        foreach (var arg in new[] { cliDll, "run-daily", "--symbol", "btcusdt", "--date", "2026-02-10" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in cli.Environment)
        {
            psi.Environment[key] = value;
        }

        var remoteRoot = Directory.CreateDirectory(temp.Combine("remote-root")).FullName;
        var stderr = new System.Text.StringBuilder();
        using var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            for (var i = 0; i < 900 && !process.HasExited && !Directory.EnumerateFiles(remoteRoot, "heartbeat", SearchOption.AllDirectories).Any(); i++)
            {
                await Task.Delay(100, Ct);
            }

            Assert.True(Directory.EnumerateFiles(remoteRoot, "heartbeat", SearchOption.AllDirectories).Any(), "training never started: " + stderr);
            vast.HangNext(FakeVastRoute.DestroyInstance, times: 10_000);

            var clock = Stopwatch.StartNew();
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync(Ct);
            }

            await process.WaitForExitAsync(Ct).WaitAsync(window * 3, Ct);
            clock.Stop();

            // 143 would mean System.CommandLine gave up on us at the end of the window; 130 is our own, honest, exit.
            Assert.True(process.ExitCode == ExitCodes.Interrupted, $"exit {process.ExitCode} after {clock.Elapsed}: {stderr}");
            Assert.True(clock.Elapsed < window, $"took {clock.Elapsed} after SIGTERM");
            var instanceId = Assert.Single(vast.CreatedInstanceIds);
            string text;
            lock (stderr)
            {
                text = stderr.ToString();
            }

            var error = Assert.Single(text.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains("interrupted", error, StringComparison.Ordinal);
            Assert.Contains($"Vast instance {instanceId} could not be destroyed", error, StringComparison.Ordinal);
            Assert.Contains("reap-orphans will retry it", error, StringComparison.Ordinal);
            Assert.Equal("destroy_failed", Assert.Single(Records()).GetProperty("status").GetString());
            Assert.Empty(Directory.EnumerateFiles(temp.Combine("store", "locks")));

            vast.ClearFaults();
            var reap = await NewCli().RunAsync("reap-orphans", "--json");
            Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
            vast.AssertNothingLeftBilling();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            foreach (var pgid in Directory.EnumerateFiles(remoteRoot, "pgid", SearchOption.AllDirectories))
            {
                var group = File.ReadAllText(pgid).Trim();
                using var kill = Process.Start("kill", ["-KILL", "--", "-" + group]);
                await kill.WaitForExitAsync(Ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await vast.DisposeAsync();
        temp.Dispose();
    }
}
