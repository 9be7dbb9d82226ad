using QuantLab.Ml.Cli;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Cli;

/// <summary>
/// `logs RUN --remote`: the on-call operator reads a live machine's train.log with their own ssh client, as the seed's
/// runbook did with `ssh -i ~/.ssh/vast_key -p $PORT root@$HOST cat /workspace/train.log`. The machine is the fake Vast's
/// instance whose SSH endpoint is the loopback sshd.
/// </summary>
[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class LogsRemoteTests(SshdFixture sshd) : IAsyncLifetime
{
    private const string RunId = "run-20260115T001500Z-ab12cd";
    private const string JobId = "job-btcusdt-20260115-0123456789ab";
    private readonly TempDir temp = new();
    private readonly TempDir remoteRoot = new();
    private FakeVast vast = null!;
    private long instanceId;

    public async ValueTask InitializeAsync()
    {
        vast = await FakeVast.StartAsync(ct: TestContext.Current.CancellationToken);
        vast.SshEndpoint = (sshd.Host, sshd.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await vast.DisposeAsync();
        temp.Dispose();
        remoteRoot.Dispose();
    }

    [Fact]
    public async Task Logs_remote_tails_the_train_log_on_the_live_machine_and_names_the_ssh_command()
    {
        RequireRootLogin();
        await LiveRunAsync();
        var trainLog = Path.Combine(remoteRoot.Path, "jobs", JobId, "out", "train.log");
        Directory.CreateDirectory(Path.GetDirectoryName(trainLog)!);
        await File.WriteAllLinesAsync(trainLog, ["[0] train-mlogloss:1.09 valid-mlogloss:1.09", "[40] train-mlogloss:0.93 valid-mlogloss:0.95", "still training at round 41"], TestContext.Current.CancellationToken);

        var result = await Cli().RunAsync("logs", RunId, "--remote", "--identity", sshd.KeyFile, "--lines", "2", "--store", "store");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains($"-p {sshd.Port}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"root@{sshd.Host} tail -n 2 {trainLog}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("still training at round 41", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[40] train-mlogloss:0.93", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[0] train-mlogloss", result.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(temp.Path, "store", "runs", "ssh", $"known_hosts-{instanceId}")), "the machine's host key is pinned in a known_hosts file of its own, not in ~/.ssh");
    }

    [Fact]
    public async Task Logs_remote_with_a_key_the_machine_does_not_accept_is_exit_1_and_says_which_key_to_add()
    {
        RequireRootLogin();
        await LiveRunAsync();
        var stranger = Path.Combine(temp.Path, "stranger_key");
        var keygen = await Proc.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", stranger], TestContext.Current.CancellationToken);
        Assert.True(keygen.ExitCode == 0, keygen.Stderr);

        var result = await Cli().RunAsync("logs", RunId, "--remote", "--identity", stranger, "--store", "store");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("Vast:OperatorPublicKeys", result.Stdout, StringComparison.Ordinal);
    }

    private CliRunner Cli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["VAST_API_URL"] = vast.BaseUrl;
        cli.Environment["VAST_API_KEY"] = vast.ApiKey;
        cli.Environment["QUANTLAB_Remote__Root"] = remoteRoot.Path;
        return cli;
    }

    /// <summary>A run folder on this machine and the run's instance record in the store, its machine live on the fake Vast.</summary>
    private async Task LiveRunAsync()
    {
        instanceId = vast.AddInstance("quantlab-ml:" + JobId, "running", ageHours: 0.5);
        Directory.CreateDirectory(Path.Combine(temp.Path, "store", "runs", RunId));
        var now = TimeProvider.System.GetUtcNow();
        await new InstanceRecords(new FolderArtifactStore(Path.Combine(temp.Path, "store"))).WriteAsync(
            new InstanceRecord
            {
                AttemptId = $"{RunId}-{JobId}-1",
                Label = "quantlab-ml:" + JobId,
                JobId = JobId,
                RunId = RunId,
                OwnerHost = Environment.MachineName,
                OwnerPid = Environment.ProcessId,
                CreatedAt = now.AddMinutes(-30),
                UpdatedAt = now,
                Status = InstanceStatus.Running,
                InstanceId = instanceId,
            },
            TestContext.Current.CancellationToken);
    }

    /// <summary>Vast machines are logged into as root; the loopback sshd accepts the user the test runs as.</summary>
    private void RequireRootLogin()
    {
        if (sshd.User != "root")
        {
            Assert.Skip($"logs --remote logs in as root, as on every Vast machine; the loopback sshd accepts only {sshd.User} (CI runs as root)");
        }
    }
}
