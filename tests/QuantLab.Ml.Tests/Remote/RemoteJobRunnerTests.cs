using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class RemoteJobRunnerTests(SshdFixture sshd)
{
    [Fact]
    public async Task Runs_the_trainer_and_brings_back_exactly_the_bytes_it_wrote()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, withProductionModel: true);

        var result = await bed.Runner().RunAsync(sshd.Target(), bed.Job, ct);

        var remoteOut = Path.Combine(bed.RemoteJobDir, "out");
        var written = Directory.GetFiles(remoteOut).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(["model.bin", "predictions.npy", "predictions_production.npy", "runtime.json", "train.log", "train_metrics.json"], written);
        foreach (var name in written)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(remoteOut, name!), ct), await File.ReadAllBytesAsync(Path.Combine(bed.OutputDir, name!), ct));
        }

        Assert.True(new FileInfo(Path.Combine(bed.OutputDir, "model.bin")).Length > 2_000_000);
        Assert.Empty(Directory.GetFiles(bed.OutputDir, "*.part"));
        var record = await AllJson.ReadFileAsync<RemoteRunResult>(Path.Combine(bed.OutputDir, RemoteRunResult.FileName), ct);
        Assert.Equal(result.RemoteJobDir, record.RemoteJobDir);
        Assert.Equal(bed.RemoteJobDir, record.RemoteJobDir);
        Assert.Contains(bed.Log.Messages, m => m.Contains("fake trainer: job " + bed.JobId, StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", bed.Log.Messages));
    }

    [Fact]
    public async Task A_relative_root_is_created_under_the_login_home_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var relative = "quantlab-test-" + Guid.NewGuid().ToString("N")[..12];
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile); // loopback: the login is this user
        try
        {
            var result = await bed.Runner(bed.Options() with { Root = relative }).RunAsync(sshd.Target(), bed.Job, ct);

            Assert.Equal(Path.Combine(home, relative, "jobs", bed.JobId), result.RemoteJobDir);
            Assert.True(File.Exists(Path.Combine(result.RemoteJobDir, "out", "model.bin")));
        }
        finally
        {
            if (Directory.Exists(Path.Combine(home, relative)))
            {
                Directory.Delete(Path.Combine(home, relative), recursive: true);
            }
        }
    }

    [Fact]
    public async Task Finishes_the_run_when_connections_are_cut_mid_training()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, mode: "sleep:5");
        var run = bed.Runner().RunAsync(sshd.Target(), bed.Job, ct);

        await bed.WaitForTrainerPgidAsync(ct);
        var firstCut = await sshd.DropConnectionsAsync(ct);
        await WaitForLogAsync(bed, "re-established", count: 1, ct);
        var secondCut = await sshd.DropConnectionsAsync(ct);
        var result = await run;

        Assert.True(firstCut > 0 && secondCut > 0, $"expected live connections to cut both times, cut {firstCut} then {secondCut}");
        Assert.True(result.Reconnects >= 2, $"expected at least two reconnects, saw {result.Reconnects}");
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(bed.RemoteJobDir, "out", "model.bin"), ct),
            await File.ReadAllBytesAsync(Path.Combine(bed.OutputDir, "model.bin"), ct));
        var log = await File.ReadAllTextAsync(Path.Combine(bed.OutputDir, "train.log"), ct);
        Assert.Contains("round 4", log, StringComparison.Ordinal);
        Assert.Contains(bed.Log.Messages, m => m.Contains("trainer: \"round 4\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kills_remote_trainer_when_runtime_limit_passes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, mode: "hang");
        var run = bed.Runner(bed.Options(maxRuntime: TimeSpan.FromSeconds(4))).RunAsync(sshd.Target(), bed.Job, ct);
        var pgid = await bed.WaitForTrainerPgidAsync(ct);
        Assert.NotEmpty(Proc.LiveProcessesInGroup(pgid));

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => run);

        Assert.Contains("trainer exceeded 0.07 min", error.Message, StringComparison.Ordinal);
        Assert.Empty(Proc.LiveProcessesInGroup(pgid));
        Assert.Contains("still training", await File.ReadAllTextAsync(Path.Combine(bed.OutputDir, "train.log"), ct), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(bed.OutputDir, "model.bin")));
    }

    [Fact]
    public async Task Cancellation_kills_the_remote_trainer_before_returning()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, mode: "hang");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = bed.Runner().RunAsync(sshd.Target(), bed.Job, cancel.Token);
        var pgid = await bed.WaitForTrainerPgidAsync(ct);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Empty(Proc.LiveProcessesInGroup(pgid));
        Assert.True(File.Exists(Path.Combine(bed.RemoteJobDir, "killed")));
    }

    [Fact]
    public async Task A_trainer_killed_on_the_host_fails_the_run_instead_of_waiting_for_the_limit()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, mode: "hang");
        var run = bed.Runner().RunAsync(sshd.Target(), bed.Job, ct);
        var pgid = await bed.WaitForTrainerPgidAsync(ct);

        await Proc.RunCheckedAsync("kill", ["-KILL", "--", "-" + pgid.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => run);
        Assert.Contains("stopped without writing an exit code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trainer_crash_fails_the_run_with_its_exit_code_and_last_error_line()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd, mode: "crash");

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => bed.Runner().RunAsync(sshd.Target(), bed.Job, ct));

        Assert.Contains("exit 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("ValueError: fake failure for the test", error.Message, StringComparison.Ordinal);
        Assert.Contains("about to fail", await File.ReadAllTextAsync(Path.Combine(bed.OutputDir, "train.log"), ct), StringComparison.Ordinal);
        Assert.Contains(bed.Log.Events, e => e.Level == Serilog.Events.LogEventLevel.Error && e.RenderMessage(null).Contains("ERROR exit 1: fake failure", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(bed.OutputDir, "model.bin")));
    }

    [Theory]
    [InlineData("exit:2", "rejected its input")]
    [InlineData("exit:3", "no usable GPU")]
    [InlineData("exit:4", "trainer exceeded")]
    public async Task Trainer_exit_codes_become_clear_failures(string mode, string expected)
    {
        using var bed = RemoteTestBed.Create(sshd, mode);

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => bed.Runner().RunAsync(sshd.Target(), bed.Job, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outputs_left_by_an_earlier_attempt_are_removed_so_only_this_run_s_files_remain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        Directory.CreateDirectory(bed.OutputDir);
        var stale = Path.Combine(bed.OutputDir, "predictions_production.npy");
        await File.WriteAllTextAsync(stale, "from yesterday's attempt", ct);
        var unrelated = Path.Combine(bed.OutputDir, "notes.txt");
        await File.WriteAllTextAsync(unrelated, "not ours", ct);

        await bed.Runner().RunAsync(sshd.Target(), bed.Job, ct);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(unrelated));
        Assert.True(File.Exists(Path.Combine(bed.OutputDir, "model.bin")));
    }

    [Fact]
    public async Task A_missing_output_fails_the_run_with_its_name()
    {
        using var bed = RemoteTestBed.Create(sshd, mode: "missing:predictions.npy");

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => bed.Runner().RunAsync(sshd.Target(), bed.Job, TestContext.Current.CancellationToken));

        Assert.Contains("trainer output predictions.npy is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_skips_pip_when_the_packages_already_import()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var numpy = (await Proc.RunCheckedAsync(sshd.Python, ["-c", "import numpy; print(numpy.__version__)"], ct)).Stdout.Trim();

        var result = await bed.Runner().RunAsync(sshd.Target(), bed.Job, ct);

        Assert.False(result.Bootstrap.PipInstalled);
        Assert.Null(result.Bootstrap.Venv);
        Assert.Equal(numpy, result.Bootstrap.Packages["numpy"]);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(bed.RemoteRoot, "envs")));
        var record = await AllJson.ReadFileAsync<RemoteRunResult>(Path.Combine(bed.OutputDir, RemoteRunResult.FileName), ct);
        Assert.Equal(numpy, record.Bootstrap.Packages["numpy"]);
    }

    [Fact]
    public async Task Bootstrap_runs_pip_into_a_venv_when_a_requirement_is_unsupported_and_says_so_when_it_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        await File.WriteAllTextAsync(Path.Combine(bed.PackageDir, "requirements.txt"), "numpy>=999\n", ct);

        // --no-index: the test host has no package index, which is exactly the offline failure an operator must be told about.
        var options = bed.Options() with { PipArgs = ["--no-index"] };
        var error = await Assert.ThrowsAsync<RemoteCommandException>(() => bed.Runner(options).RunAsync(sshd.Target(), bed.Job, ct));

        Assert.Contains("pip install -r requirements.txt failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(bed.Log.Messages, m => m.Contains("numpy", StringComparison.Ordinal) && m.Contains("does not satisfy >=999", StringComparison.Ordinal));
        Assert.Single(Directory.GetDirectories(Path.Combine(bed.RemoteRoot, "envs")));
    }

    [Fact]
    public async Task A_missing_configured_interpreter_falls_back_to_the_hosts_python_and_remote_json_records_both()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);

        // Nothing to check, so the login's python3 passes the bootstrap and runs the (fake) trainer.
        await File.WriteAllTextAsync(Path.Combine(bed.PackageDir, "requirements.txt"), "# nothing\n", ct);
        var options = bed.Options() with { Python = "/nonexistent/python3" };

        var result = await bed.Runner(options).RunAsync(sshd.Target(), bed.Job, ct);

        Assert.Equal("/nonexistent/python3", result.Bootstrap.PythonConfigured);
        Assert.False(string.IsNullOrEmpty(result.Bootstrap.PythonResolved));
        Assert.NotEqual("/nonexistent/python3", result.Bootstrap.PythonResolved);
        Assert.Equal(result.Bootstrap.PythonResolved, result.Bootstrap.Python);
        var remoteJson = await File.ReadAllTextAsync(Path.Combine(result.OutputDir, RemoteRunResult.FileName), ct);
        Assert.Contains("\"python_configured\": \"/nonexistent/python3\"", remoteJson, StringComparison.Ordinal);
        Assert.Contains(bed.Log.Messages, m => m.Contains("/nonexistent/python3 is not there; using python3", StringComparison.Ordinal));
    }

    private static async Task WaitForLogAsync(RemoteTestBed bed, string text, int count, CancellationToken ct)
    {
        for (var i = 0; i < 600 && bed.Log.Messages.Count(m => m.Contains(text, StringComparison.Ordinal)) < count; i++)
        {
            await Task.Delay(50, ct);
        }
    }
}
