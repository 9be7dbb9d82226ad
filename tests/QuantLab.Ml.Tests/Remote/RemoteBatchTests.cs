using System.Security.Cryptography;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;

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
        File.WriteAllText(jobFile, Json.Serialize(RemoteTestBed.Spec(jobId)));
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
        var run = bed.Runner(options).RunBatchAsync(sshd.Target(endpoint: viaRelay), jobs, null, Ct);
        var pgidFile = Path.Combine(bed.RemoteRoot, "jobs", jobs[1].Spec.JobId, "pgid");
        while (!File.Exists(pgidFile))
        {
            await Task.Delay(50, Ct);
        }

        relay.SwitchTo(9);
        var outcomes = await run;

        Assert.Equal([JobOutcomeStatus.Trained, JobOutcomeStatus.Lost, JobOutcomeStatus.Lost], outcomes.Select(o => o.Status));
        Assert.All(outcomes.Skip(1), o => Assert.False(string.IsNullOrEmpty(o.Error)));
        Assert.False(File.Exists(Path.Combine(jobs[2].OutputDir, "model.bin")));

        // The trainer left on the lost host is stopped by its own watchdog in production; here the test stops it.
        if (int.TryParse(File.ReadAllText(pgidFile).Trim(), out var pgid))
        {
            await Proc.RunAsync("kill", ["-KILL", "--", "-" + pgid.ToString(System.Globalization.CultureInfo.InvariantCulture)], Ct);
        }
    }
}
