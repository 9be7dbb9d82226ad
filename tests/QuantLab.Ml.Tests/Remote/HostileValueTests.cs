using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class HostileValueTests(SshdFixture sshd)
{
    [Fact]
    public async Task Hostile_strings_arrive_at_the_remote_shell_as_data()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var canary = Path.Combine(bed.Work, "pwned");
        string[] hostile =
        [
            "a b  c", "it's", "'", "''", "$(touch " + canary + ")", "`touch " + canary + "`", "; touch " + canary + " #",
            "' ; touch " + canary + " ; '", "x\ny", "*", "-rf", "--help", "\"dq\"", "back\\slash", "$HOME", "${IFS}", "é ünï 漢字",
            "|| touch " + canary, "&& touch " + canary, "> " + canary, "\t\r", "!", "~",
        ];
        using var conn = new SshConnection(sshd.Target(), bed.Options(), TimeProvider.System, bed.Log.Logger);
        await conn.OpenAsync(ct);

        foreach (var value in hostile)
        {
            var result = await conn.RunAsync(ShellQuote.Script("printf '%s' \"$1\"; printf '|%s' \"$#\"", value), TimeSpan.FromSeconds(10), ct);
            Assert.Equal(value + "|1", result.StdoutText);
        }

        Assert.False(File.Exists(canary));
    }

    [Fact]
    public async Task A_run_with_hostile_root_and_interpreter_paths_succeeds_and_executes_nothing_in_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var canaryName = "pwned-" + Guid.NewGuid().ToString("N");
        var canary = Path.Combine(Path.GetTempPath(), canaryName);
        using var bed = RemoteTestBed.Create(sshd, remoteRootName: $"root 'q' $(touch {canary}) ; `touch {canary}` & * \"x\"");
        var pythonDir = Path.Combine(bed.Work, $"py $(touch {canary}) it's");
        Directory.CreateDirectory(pythonDir);
        var wrapper = Path.Combine(pythonDir, "python");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec '{sshd.Python}' \"$@\"\n", ct);
        await Proc.RunCheckedAsync("chmod", ["700", wrapper], ct);
        var options = bed.Options() with { Python = wrapper };

        var result = await bed.Runner(options).RunAsync(sshd.Target(), bed.Job, ct);

        Assert.Equal(bed.RemoteJobDir, result.RemoteJobDir);
        Assert.True(File.Exists(Path.Combine(bed.RemoteJobDir, "out", "model.bin")));
        Assert.True(File.Exists(Path.Combine(bed.OutputDir, "model.bin")));
        Assert.False(File.Exists(canary));
        Assert.False(File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), canaryName)));
    }

    [Theory]
    [InlineData("job-btc;touch x-20260115-3f9a0c12ab45")]
    [InlineData("job-btcusdt-20260115-3f9a0c12ab45/../../etc")]
    [InlineData("../job-btcusdt-20260115-3f9a0c12ab45")]
    [InlineData("job-btcusdt-20260115-$(reboot)")]
    [InlineData("")]
    public async Task A_hostile_job_id_is_refused_before_anything_is_created_on_the_host(string jobId)
    {
        using var bed = RemoteTestBed.Create(sshd);
        var job = bed.Job with { Spec = bed.Job.Spec with { JobId = jobId } };

        var error = await Assert.ThrowsAsync<UsageException>(() => bed.Runner().RunAsync(sshd.Target(), job, TestContext.Current.CancellationToken));

        Assert.StartsWith("invalid job id", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(bed.RemoteRoot));
        Assert.Empty(bed.Log.Events);
    }
}
