using System.Security.Cryptography;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Remote;

/// <summary>
/// Several jobs on one host over one connection (a batch on one rented machine), against the loopback sshd: one
/// bootstrap for all, a failing job that does not stop its neighbours, and a host lost mid-batch that makes exactly the
/// unfinished jobs "lost".
/// </summary>
[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class RemoteBatchTests(SshdFixture sshd)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Another job in the bed's work folder, with its own id, spec, dataset and output folder.</summary>
    private static TrainingJob AnotherJob(RemoteTestBed bed, int n, string? mode = null)
    {
        var jobId = bed.JobId[..^2] + n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        var dir = Path.Combine(bed.Work, "job" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var jobFile = Path.Combine(dir, "job.json");
        File.WriteAllText(jobFile, AllJson.Serialize(RemoteTestBed.Spec(jobId)));
        var dataset = Path.Combine(dir, "dataset.npz");
        File.WriteAllBytes(dataset, RandomNumberGenerator.GetBytes(256 * 1024 + n));
        if (mode is not null)
        {
            File.WriteAllText(Path.Combine(bed.PackageDir, "quantlab_trainer", $"mode-{jobId}.txt"), mode);
        }

        return new TrainingJob { Spec = RemoteTestBed.Spec(jobId), JobFile = jobFile, DatasetFile = dataset, OutputDir = Path.Combine(dir, "out") };
    }

    [Fact]
    public async Task Three_jobs_share_one_connection_and_one_bootstrap_and_a_crash_fails_only_its_own_job()
    {
        using var bed = RemoteTestBed.Create(sshd);
        TrainingJob[] jobs = [AnotherJob(bed, 1), AnotherJob(bed, 2, mode: "crash"), AnotherJob(bed, 3)];
        var reported = new List<string>();

        var outcomes = await bed.Runner().RunBatchAsync(sshd.Target(), jobs, o =>
        {
            reported.Add(o.Job.Spec.JobId);
            return Task.CompletedTask;
        }, Ct);

        Assert.Equal([JobOutcomeStatus.Trained, JobOutcomeStatus.Failed, JobOutcomeStatus.Trained], outcomes.Select(o => o.Status));
        Assert.Equal(jobs.Select(j => j.Spec.JobId), reported);
        Assert.Contains("fake failure for the test", outcomes[1].Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(jobs[0].OutputDir, "model.bin")));
        Assert.True(File.Exists(Path.Combine(jobs[2].OutputDir, "model.bin")));
        Assert.False(File.Exists(Path.Combine(jobs[1].OutputDir, "model.bin")));
        Assert.Single(bed.Log.Messages, m => m.Contains("trainer environment on", StringComparison.Ordinal));
        Assert.Single(bed.Log.Messages, m => m.Contains("ssh ready on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_host_lost_mid_batch_leaves_the_finished_job_trained_and_the_rest_lost()
    {
        await using var relay = new TcpRelay(sshd.Port);
        using var bed = RemoteTestBed.Create(sshd);
        TrainingJob[] jobs = [AnotherJob(bed, 1), AnotherJob(bed, 2, mode: "sleep:30"), AnotherJob(bed, 3)];
        var options = bed.Options() with
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            CleanupBudget = TimeSpan.FromSeconds(3),
            Resilience = bed.Options().Resilience with { ReconnectTimeout = TimeSpan.FromSeconds(3) },
        };
        var viaRelay = SshEndpoint.Create("127.0.0.1", relay.Port, sshd.User);
        var firstReported = new TaskCompletionSource();
        var run = bed.Runner(options).RunBatchAsync(sshd.Target(endpoint: viaRelay), jobs, o =>
        {
            firstReported.TrySetResult();
            return Task.CompletedTask;
        }, Ct);
        var pgidFile = Path.Combine(bed.RemoteRoot, "jobs", jobs[1].Spec.JobId, "pgid");

        // The host goes away once the first job is back and the second one trains.
        await firstReported.Task.WaitAsync(Ct);
        Assert.True(await AppearsAsync(StartedFile(bed, jobs[1]), TimeSpan.FromSeconds(30)), "the second job never started");
        relay.SwitchTo(9);
        var outcomes = await run;

        Assert.Equal([JobOutcomeStatus.Trained, JobOutcomeStatus.Lost, JobOutcomeStatus.Lost], outcomes.Select(o => o.Status));
        Assert.All(outcomes.Skip(1), o => Assert.False(string.IsNullOrEmpty(o.Error)));
        Assert.False(File.Exists(Path.Combine(jobs[2].OutputDir, "model.bin")));

        // The trainers left on the lost host (the one training and the one queued behind it) are stopped by their own
        // watchdog in production; here the test stops them, the queued one first so it cannot start.
        await KillGroupAsync(Path.Combine(bed.RemoteRoot, "jobs", jobs[2].Spec.JobId, "pgid"));
        await KillGroupAsync(pgidFile);
    }

    [Fact]
    public async Task The_next_job_starts_on_the_host_as_soon_as_the_previous_trainer_exits_without_waiting_for_this_side()
    {
        using var bed = RemoteTestBed.Create(sshd);
        TrainingJob[] jobs = [AnotherJob(bed, 1, mode: "sleep:1"), AnotherJob(bed, 2), AnotherJob(bed, 3)];
        var startedWhileBlocked = new List<bool>();

        // Reporting a job holds this side up (as a slow evaluation would): the next trainer must start anyway.
        var outcomes = await bed.Runner().RunBatchAsync(sshd.Target(), jobs, async o =>
        {
            var index = Array.IndexOf(jobs, o.Job);
            if (index + 1 < jobs.Length)
            {
                startedWhileBlocked.Add(await AppearsAsync(StartedFile(bed, jobs[index + 1]), TimeSpan.FromSeconds(15)));
            }
        }, Ct);

        Assert.All(outcomes, o => Assert.Equal(JobOutcomeStatus.Trained, o.Status));
        Assert.Equal([true, true], startedWhileBlocked);
        Assert.All(jobs, j => Assert.True(File.Exists(Path.Combine(j.OutputDir, "model.bin"))));

        // One after another, never two trainers at once: each started after the previous launcher wrote its exit code.
        for (var i = 1; i < jobs.Length; i++)
        {
            var previousExit = File.GetLastWriteTimeUtc(Path.Combine(bed.RemoteRoot, "jobs", jobs[i - 1].Spec.JobId, "exit_code"));
            var started = File.GetLastWriteTimeUtc(StartedFile(bed, jobs[i]));
            Assert.True(started >= previousExit, $"job {i + 1} started at {started:O}, before job {i} exited at {previousExit:O}");
        }

        // Only the first job uploaded the trainer package; the others copied it on the host.
        Assert.Single(bed.Log.Messages, m => m.Contains("uploaded 5 files", StringComparison.Ordinal));
        Assert.Equal(2, bed.Log.Messages.Count(m => m.Contains("uploaded 2 files", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Cancelling_while_a_job_trains_also_stops_the_jobs_queued_behind_it_before_they_start()
    {
        using var bed = RemoteTestBed.Create(sshd);
        TrainingJob[] jobs = [AnotherJob(bed, 1, mode: "sleep:180"), AnotherJob(bed, 2), AnotherJob(bed, 3)];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = bed.Runner().RunBatchAsync(sshd.Target(), jobs, null, cts.Token);
        var queuedPgid = Path.Combine(bed.RemoteRoot, "jobs", jobs[2].Spec.JobId, "pgid");
        Assert.True(await AppearsAsync(queuedPgid, TimeSpan.FromSeconds(120)), "the third job was never queued on the host");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // Both process groups are gone, and the queued trainer never ran, not even after the first one was stopped.
        Assert.False(await AppearsAsync(StartedFile(bed, jobs[1]), TimeSpan.FromSeconds(2)));
        // Both later jobs were queued (two ahead); every launcher is gone, the queued ones without having trained.
        foreach (var job in jobs)
        {
            var pgid = int.Parse(File.ReadAllText(Path.Combine(bed.RemoteRoot, "jobs", job.Spec.JobId, "pgid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Empty(Proc.LiveProcessesInGroup(pgid));
        }

        Assert.False(File.Exists(StartedFile(bed, jobs[2])));
    }

    /// <summary>The launcher's marker, written as it starts the trainer itself.</summary>
    private static string StartedFile(RemoteTestBed bed, TrainingJob job) => Path.Combine(bed.RemoteRoot, "jobs", job.Spec.JobId, "started");

    private static async Task<bool> AppearsAsync(string path, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (clock.Elapsed > within)
            {
                return false;
            }

            await Task.Delay(50, Ct);
        }

        return true;
    }

    private static async Task KillGroupAsync(string pgidFile)
    {
        if (File.Exists(pgidFile) && int.TryParse(File.ReadAllText(pgidFile).Trim(), out var pgid))
        {
            await Proc.RunAsync("kill", ["-KILL", "--", "-" + pgid.ToString(System.Globalization.CultureInfo.InvariantCulture)], Ct);
        }
    }
}
