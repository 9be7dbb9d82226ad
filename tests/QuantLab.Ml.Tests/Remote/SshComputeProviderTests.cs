using System.Globalization;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Compute.Ssh;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class SshComputeProviderTests(SshdFixture sshd)
{
    [Fact]
    public async Task Runs_the_job_on_the_configured_host_and_leaves_outputs_where_the_local_provider_does()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var provider = new SshComputeProvider(Options(bed), bed.Package, TimeProvider.System, bed.Log.Logger);

        var result = await RunOneAsync(provider, bed.Job, ct);

        Assert.Equal(ComputeProviderKind.Ssh, provider.Kind);
        Assert.Equal(bed.Job.OutputDir, result.OutputDir);
        Assert.Equal($"ssh {sshd.User}@{sshd.Host}:{sshd.Port}", result.Machine);
        Assert.True(result.WallTime > TimeSpan.Zero);
        foreach (var name in new[] { "model.bin", "predictions.npy", "train_metrics.json", "runtime.json", "train.log", "remote.json" })
        {
            Assert.True(File.Exists(Path.Combine(bed.OutputDir, name)), name + " missing from the output folder");
        }
    }

    [Fact]
    public async Task Never_logs_the_private_key_nor_copies_it_to_the_host()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var provider = new SshComputeProvider(Options(bed), bed.Package, TimeProvider.System, bed.Log.Logger);

        await RunOneAsync(provider, bed.Job, ct);

        var keyLines = (await File.ReadAllLinesAsync(sshd.KeyFile, ct)).Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length > 20).ToList();
        Assert.NotEmpty(keyLines);
        var logged = bed.Log.Everything;
        Assert.All(keyLines, line => Assert.DoesNotContain(line, logged, StringComparison.Ordinal));
        foreach (var file in Directory.EnumerateFiles(bed.RemoteRoot, "*", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(file, ct);
            Assert.All(keyLines, line => Assert.DoesNotContain(line, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Cleans_job_folders_older_than_the_configured_age_at_the_start_of_a_run()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var jobs = Path.Combine(bed.RemoteRoot, "jobs");
        var old = Path.Combine(jobs, "job-ethusdt-20250101-aaaaaaaaaaaa");
        var fresh = Path.Combine(jobs, "job-ethusdt-20260101-bbbbbbbbbbbb");
        var notAJob = Path.Combine(jobs, "notes");
        foreach (var dir in new[] { old, fresh, notAJob })
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "exit_code"), "0\n", ct);
        }

        var tenDaysAgo = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-10);
        Directory.SetLastWriteTimeUtc(old, tenDaysAgo);
        Directory.SetLastWriteTimeUtc(notAJob, tenDaysAgo);
        var provider = new SshComputeProvider(Options(bed) with { CleanJobsOlderThanDays = 2 }, bed.Package, TimeProvider.System, bed.Log.Logger);

        await RunOneAsync(provider, bed.Job, ct);

        Assert.False(Directory.Exists(old));
        Assert.True(Directory.Exists(fresh));
        Assert.True(Directory.Exists(notAJob));
        Assert.True(Directory.Exists(bed.RemoteJobDir));
    }

    /// <summary>One job the way a single symbol's night trains it: a batch of one.</summary>
    private static async Task<TrainingResult> RunOneAsync(SshComputeProvider provider, TrainingJob job, CancellationToken ct)
    {
        var outcomes = await provider.RunBatchAsync(
            new BatchRequest { BatchId = "batch-test-1", Jobs = [job], HardLimit = TimeSpan.FromMinutes(30) }, _ => Task.CompletedTask, ct);
        var outcome = Assert.Single(outcomes);
        Assert.True(outcome.Status == JobOutcomeStatus.Trained, outcome.Error);
        return outcome.Result!;
    }

    private SshProviderOptions Options(RemoteTestBed bed)
    {
        return TestConfig.Load(new Dictionary<string, string?>
        {
            ["Ssh:Host"] = sshd.Host,
            ["Ssh:Port"] = sshd.Port.ToString(CultureInfo.InvariantCulture),
            ["Ssh:User"] = sshd.User,
            ["Ssh:KeyFile"] = sshd.KeyFile,
            ["Remote:Python"] = sshd.Python,
            ["Remote:Root"] = bed.RemoteRoot,
            ["Remote:PollInterval"] = "00:00:00.300",
            ["Remote:HeartbeatInterval"] = "00:00:01",
            ["Remote:MaxRuntime"] = "00:01:30",
            ["Remote:Resilience:ReadinessTimeout"] = "00:00:20",
            ["Remote:Resilience:RetryDelay"] = "00:00:00.200",
        }).Ssh;
    }
}
