using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>
/// The nightly run on a "rented RTX 4090": the fake Vast.ai rents instances whose SSH endpoint is the loopback sshd, the
/// trainer trains for real over SSH. Every test ends by checking the money rule: every instance created was destroyed.
/// </summary>
[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class RunDailyVastEndToEndTests(SshdFixture sshd) : IAsyncLifetime
{
    private readonly TempDir temp = new();
    private FakeVast vast = null!;

    public async ValueTask InitializeAsync()
    {
        vast = await FakeVast.StartAsync(ct: TestContext.Current.CancellationToken);
        vast.ServeFrom(sshd);
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-02-10", "--hours", "6", "--seed", "31", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
    }

    private CliRunner NewCli() => VastCli.Create(temp, vast, sshd);

    private CliRunner SlowTrainingCli() => NewCli().TrainingSlowly();

    [Fact]
    public async Task A_night_on_a_rented_gpu_trains_stores_decides_destroys_and_records_the_cost()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.40 });
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        var cli = NewCli();
        const string OnCall = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeOnCallKeyForTheTestsOnly on-call@quantlab";
        cli.Environment["QUANTLAB_Vast__OperatorPublicKeys__0"] = OnCall;
        vast.RefuseNextKeys = 1;

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var run = result.SingleRun();
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, run.GetProperty("promotion").ValueKind);
        var instance = Assert.Single(run.GetProperty("instances").EnumerateArray().ToList());
        Assert.Equal("destroyed", instance.GetProperty("status").GetString());
        Assert.True(run.GetProperty("cost_usd").GetDouble() > 0);
        Assert.True(File.Exists(temp.Combine("store", "models", "candidates", "btcusdt", "2026-02-10", "_COMPLETE.json")));
        vast.AssertNothingLeftBilling();

        // One symbol is a night of one: one machine, labelled with its batch, whose record lists the one job.
        Assert.Equal(1, instance.GetProperty("batch_jobs").GetInt32());
        var batchId = instance.GetProperty("batch_id").GetString()!;
        Assert.Equal($"batch-{JsonDocument.Parse(result.Stdout).RootElement.GetProperty("run_id").GetString()![4..]}-1", batchId);
        var create = Assert.Single(vast.Calls, c => c.Method == "PUT" && c.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal));
        Assert.Contains($"quantlab-ml:{batchId}", create.Body, StringComparison.Ordinal);
        Assert.Contains("CONTAINER_API_KEY", create.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(vast.ApiKey, create.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS_", create.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(vast.ApiKey, result.Stderr, StringComparison.Ordinal);

        // The job's throw-away key and the on-call's key went on once the machine ran (the fake refuses keys while it
        // loads, so an early attach would show more refusals), the one injected refusal retried.
        var rented = vast.Instance(Assert.Single(vast.CreatedInstanceIds))!;
        Assert.Equal(2, rented.SshKeys.Count);
        Assert.Equal(OnCall, rented.SshKeys[1]);
        Assert.DoesNotContain("PRIVATE", string.Concat(rented.SshKeys), StringComparison.Ordinal);
        Assert.Equal([400, 200, 200], vast.Calls.Where(c => c.Route == FakeVastRoute.AttachSshKey).Select(c => c.StatusCode));

        var runId = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("run_id").GetString()!;
        var steps = File.ReadAllLines(temp.Combine("store", "runs", "audit", runId + ".jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("step").GetString())
            .ToList();
        Assert.Equal(["data_check", "dataset", "train", "store_candidate", "promote", "rental"], steps);

        var runs = await NewCli().RunAsync("runs", "--json");
        Assert.True(runs.ExitCode == ExitCodes.Ok, runs.ToString());
        var entry = JsonDocument.Parse(runs.Stdout).RootElement.GetProperty("runs")[0].GetProperty("runs")[0];
        Assert.Equal(run.GetProperty("cost_usd").GetDouble(), entry.GetProperty("cost_usd").GetDouble(), 9);
        Assert.Equal("succeeded", entry.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Two_symbols_share_one_machine_when_that_makes_the_deadline_and_it_is_destroyed()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        vast.AddOffer(new FakeOffer { DphBase = 0.31 });
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "ethusdt", "--from", "2026-02-10", "--hours", "6", "--seed", "32", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        var cli = NewCli();
        cli.Environment["QUANTLAB_Xgboost__NumBoostRound"] = "20";

        // A deadline that just passed is tomorrow's: one machine has all the time it needs, and it is the cheapest.
        var deadline = (TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(2)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--symbol", "ethusdt", "--date", "2026-02-10", "--deadline", deadline, "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var runs = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["btcusdt", "ethusdt"], runs.Select(r => r.GetProperty("symbol").GetString()));
        Assert.All(runs, r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
        Assert.Single(vast.CreatedInstanceIds);
        Assert.All(runs, r => Assert.Equal("destroyed", Assert.Single(r.GetProperty("instances").EnumerateArray().ToList()).GetProperty("status").GetString()));
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task A_night_on_a_machine_without_a_usable_gpu_fails_loudly_by_default_and_leaves_nothing_billing()
    {
        vast.AddOffer();
        var cli = NewCli();

        // No Device configured: a vast night wants cuda, and this box (like a rented one with a bad driver) has no GPU.
        cli.Environment.Remove("QUANTLAB_Device");

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var run = result.SingleRun();
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("no usable GPU", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(run.GetProperty("instances").EnumerateArray().ToList());
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task An_instance_that_exits_while_booting_is_destroyed_and_another_machine_is_used()
    {
        var bad = vast.AddOffer(new FakeOffer { DphBase = 0.20, MachineId = 7001, Schedule = FakeInstanceSchedule.EndsIn("exited") });
        vast.AddOffer(new FakeOffer { DphBase = 0.30, MachineId = 7002 });

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var instances = result.SingleRun().GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(2, instances.Count);
        Assert.Equal(2, vast.CreatedInstanceIds.Count);
        Assert.True(bad > 0);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task A_failed_create_that_still_made_an_instance_is_destroyed_and_the_next_offer_rented()
    {
        var first = vast.AddOffer(new FakeOffer { DphBase = 0.20 });
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        vast.FailCreate(first, FakeCreateFailure.FailedWithContract);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(2, vast.CreatedInstanceIds.Count);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task When_ssh_never_becomes_ready_the_run_fails_and_nothing_is_left_billing()
    {
        vast.AddOffer();
        vast.SshEndpoint = ("127.0.0.1", 9);
        var cli = NewCli();
        cli.Environment["QUANTLAB_Remote__Resilience__ReadinessTimeout"] = "00:00:05";
        cli.Environment["QUANTLAB_Remote__ConnectTimeout"] = "00:00:02";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task A_trainer_over_its_runtime_limit_is_killed_the_run_fails_and_the_instance_is_destroyed()
    {
        vast.AddOffer();
        var cli = SlowTrainingCli();
        cli.Environment["QUANTLAB_Remote__MaxRuntime"] = "00:00:04";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("exceeded", result.SingleRun().GetProperty("error").GetString(), StringComparison.Ordinal);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task Sigterm_during_training_still_destroys_the_instance()
    {
        vast.AddOffer();
        var cli = SlowTrainingCli();
        using var sigterm = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = cli.RunWithTokenAsync(["run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json"], sigterm.Token);
        var trainerStarted = Directory.CreateDirectory(temp.Combine("remote-root")).FullName;

        // Until the trainer beats on the box, or the run ends without it (its own rental and bootstrap limits bound this
        // wait; a fixed cap here failed on a loaded machine whose bootstrap took longer).
        while (!run.IsCompleted && !Directory.EnumerateFiles(trainerStarted, "heartbeat", SearchOption.AllDirectories).Any())
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        if (run.IsCompleted)
        {
            Assert.Fail("the run ended before the trainer started on the rented box: " + await run);
        }

        await sigterm.CancelAsync();
        var result = await run;

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.Single(vast.CreatedInstanceIds);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task A_dry_run_without_a_key_says_first_that_the_real_run_would_fail_exits_as_it_would_and_still_shows_the_offer()
    {
        // Issue 23 changed this: the dry run used to exit 0 PLANNED, and the real run failed only after the data work.
        vast.AddOffer(new FakeOffer { DphBase = 0.45 });
        vast.AddOffer(new FakeOffer { DphBase = 0.25, Geolocation = "Oslo, NO" });
        var cli = NewCli();
        cli.Environment.Remove("VAST_API_KEY");

        var plan = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--dry-run", "--json");
        var text = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--dry-run");

        Assert.True(plan.ExitCode == ExitCodes.Usage, plan.ToString());
        using (var doc = JsonDocument.Parse(plan.Stdout))
        {
            Assert.Contains("no Vast API key", Assert.Single(doc.RootElement.GetProperty("would_fail").EnumerateArray()).GetString(), StringComparison.Ordinal);
        }

        // One symbol is a night of one: its plan names the cheapest offer (the one in Oslo) and prices one machine with it.
        var night = JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("night");
        Assert.Contains("Oslo, NO", night.GetProperty("price_note").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, night.GetProperty("plan").GetProperty("chosen").GetProperty("instances").GetInt32());
        Assert.True(night.GetProperty("plan").GetProperty("chosen").GetProperty("cost_usd").GetDouble() > 0);
        Assert.Equal(ExitCodes.Usage, text.ExitCode);
        var first = text.Stdout.Split('\n');
        Assert.StartsWith("DRY RUN: a real run would NOT succeed (exit 2)", first[0], StringComparison.Ordinal);
        Assert.Contains("no Vast API key", first[1], StringComparison.Ordinal);
        Assert.DoesNotContain(": PLANNED", first[0] + first[1], StringComparison.Ordinal);
        Assert.Empty(vast.CreatedInstanceIds);

        int Datasets() => Directory.EnumerateFiles(temp.Path, "*.npz", SearchOption.AllDirectories).Count();
        var datasetsBefore = Datasets();
        var real = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");
        Assert.Equal(ExitCodes.Usage, real.ExitCode);
        Assert.Contains("no Vast API key", Assert.Single(real.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(datasetsBefore, Datasets()); // stopped before the data check and the dataset build
        Assert.Empty(vast.CreatedInstanceIds);
    }

    [Fact]
    public async Task A_dry_run_with_no_offer_to_rent_says_so_first_and_exits_1_like_the_real_run()
    {
        var cli = NewCli();

        var text = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--dry-run");

        Assert.Equal(ExitCodes.Failed, text.ExitCode);
        var first = text.Stdout.Split('\n');
        Assert.StartsWith("DRY RUN: a real run would NOT succeed (exit 1)", first[0], StringComparison.Ordinal);
        Assert.Contains("the night has nothing to rent: no offer matches", first[1], StringComparison.Ordinal);
        Assert.Empty(vast.CreatedInstanceIds);
    }

    [Fact]
    public async Task A_run_killed_with_sigkill_leaves_a_record_that_the_next_reap_orphans_uses_to_destroy_its_instance()
    {
        vast.AddOffer();
        var cli = SlowTrainingCli();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = temp.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The CLI's own build output (its deps.json), built with the same configuration as these tests.
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
        using (var process = System.Diagnostics.Process.Start(psi)!)
        {
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            try
            {
                for (var i = 0; i < 900 && !process.HasExited && !Directory.EnumerateFiles(remoteRoot, "heartbeat", SearchOption.AllDirectories).Any(); i++)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                Assert.True(Directory.EnumerateFiles(remoteRoot, "heartbeat", SearchOption.AllDirectories).Any(), "training never started: " + stderr);
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
        }

        try
        {
            Assert.Single(vast.LiveInstances);

            var reap = await cli.RunAsync("reap-orphans", "--json");

            Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
            vast.AssertNothingLeftBilling();
            var record = Directory.EnumerateFiles(temp.Combine("store", "runs", "instances"), "*.json").Single();
            using var doc = JsonDocument.Parse(File.ReadAllText(record));
            Assert.Equal("reaped", doc.RootElement.GetProperty("status").GetString());
        }
        finally
        {
            // The trainer the killed run started on the "rented box" must not outlive the test.
            foreach (var pgid in Directory.EnumerateFiles(remoteRoot, "pgid", SearchOption.AllDirectories))
            {
                var group = File.ReadAllText(pgid).Trim();
                using var kill = System.Diagnostics.Process.Start("kill", ["-KILL", "--", "-" + group]);
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task A_second_run_for_a_job_that_a_live_run_holds_rents_nothing_and_exits_cleanly()
    {
        vast.AddOffer();
        var holder = new QuantLab.Ml.Storage.LockRecord
        {
            Symbol = "btcusdt",
            Date = new DateOnly(2026, 2, 10),
            RunId = "run-overlapping",
            OwnerHost = Environment.MachineName,
            OwnerPid = Environment.ProcessId,
            AcquiredAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.MaxValue.AddDays(-1),
        };
        Directory.CreateDirectory(temp.Combine("store", "locks"));
        await File.WriteAllTextAsync(temp.Combine("store", "locks", "btcusdt-20260210.json"), AllJson.Serialize(holder), TestContext.Current.CancellationToken);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        // Not "already done": another run holds the job, which has its own exit code (try later).
        Assert.True(result.ExitCode == ExitCodes.Busy, result.ToString());
        var run = result.SingleRun();
        Assert.Equal("held", run.GetProperty("status").GetString());
        Assert.Contains("another run (run-overlapping", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(vast.CreatedInstanceIds);
    }

    [Fact]
    public async Task An_offer_that_vanished_before_create_is_skipped_for_the_next_one()
    {
        var gone = vast.AddOffer(new FakeOffer { DphBase = 0.20 });
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        vast.FailCreate(gone, FakeCreateFailure.OfferGone410);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Single(vast.CreatedInstanceIds);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task An_instance_stuck_loading_is_destroyed_at_its_deadline_and_another_machine_is_used()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.20, MachineId = 8001, Schedule = FakeInstanceSchedule.StuckLoading() });
        vast.AddOffer(new FakeOffer { DphBase = 0.30, MachineId = 8002 });
        var cli = NewCli();
        cli.Environment["QUANTLAB_Rental__RunningDeadline"] = "00:00:02";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(2, vast.CreatedInstanceIds.Count);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task When_no_rented_machine_ever_boots_and_no_offer_is_left_the_error_names_each_machine_and_its_state()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.20, MachineId = 8001, Schedule = FakeInstanceSchedule.StuckLoading() });
        vast.AddOffer(new FakeOffer { DphBase = 0.30, MachineId = 8002, Schedule = FakeInstanceSchedule.StuckLoading() });
        var cli = NewCli();
        cli.Environment["QUANTLAB_Rental__RunningDeadline"] = "00:00:02";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var created = vast.CreatedInstanceIds.Order().ToList();
        Assert.Equal(2, created.Count);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains($"{created[0]} loading, {created[1]} loading; no further offer", error, StringComparison.Ordinal);
        Assert.Contains($"{created[0]} loading, {created[1]} loading; no further offer", result.SingleRun().GetProperty("error").GetString(), StringComparison.Ordinal);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task When_storing_the_candidate_fails_after_the_destroy_the_run_fails_and_says_where_the_artifacts_are()
    {
        vast.AddOffer();
        Directory.CreateDirectory(temp.Combine("store", "models"));
        await File.WriteAllTextAsync(temp.Combine("store", "models", "candidates"), "not a folder: uploads must fail", TestContext.Current.CancellationToken);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var error = result.SingleRun().GetProperty("error").GetString()!;
        Assert.Contains("the trained artifacts are kept in ", error, StringComparison.Ordinal);
        var kept = error[(error.IndexOf("kept in ", StringComparison.Ordinal) + "kept in ".Length)..].Trim();
        Assert.True(File.Exists(Path.Combine(kept, "model.bin")), error);
        vast.AssertNothingLeftBilling();
    }

    [Fact]
    public async Task Artifacts_that_do_not_match_the_hosts_manifest_fail_the_run_and_the_instance_is_destroyed()
    {
        vast.AddOffer();
        var package = temp.Combine("tampering-trainer");
        TestFiles.CopyDirectory(Path.Combine(TestEnvironment.RepoRoot, "tests", "QuantLab.Ml.Tests", "Remote", "FakeTrainer"), package);
        await File.WriteAllTextAsync(Path.Combine(package, "quantlab_trainer", "mode.txt"), "tamper", TestContext.Current.CancellationToken);
        var cli = NewCli();
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = package;

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("trainer output model.bin failed its sha256 check", result.SingleRun().GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("store", "models", "candidates", "btcusdt", "2026-02-10", "_COMPLETE.json")));
        vast.AssertNothingLeftBilling();
    }

    public async ValueTask DisposeAsync()
    {
        await vast.DisposeAsync();
        temp.Dispose();
    }
}
