using System.Diagnostics;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Compute.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>
/// The generated onstart watchdog, run for real under <c>sh</c> the way Vast runs it: on a PATH with no curl (the pytorch
/// runtime images have none), with the variables Vast sets in the container, against the fake Vast on loopback.
/// </summary>
[Trait("Category", "Integration")]
public sealed class VastWatchdogTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_watchdog_stops_the_trainer_and_destroys_its_instance_with_the_instance_key_on_an_image_without_curl()
    {
        await using var h = await FakeVastHarness.StartAsync();
        h.Fake.AddOffer();
        var id = (await h.ProvisionAsync()).InstanceId;
        using var trainer = StartTrainerGroup();

        var (log, script) = await RunOnstartAsync(h.Fake.BaseUrl, id, FakeVast.InstanceKey(id));

        Assert.DoesNotContain("curl", script, StringComparison.Ordinal);
        Assert.DoesNotContain("pkill", script, StringComparison.Ordinal);
        Assert.True(h.Fake.Instance(id)!.Destroyed, log);
        var delete = Assert.Single(h.CallsTo(FakeVastRoute.DestroyInstance));
        Assert.Equal("Bearer " + FakeVast.InstanceKey(id), delete.Authorization);
        Assert.Equal($"/api/v0/instances/{id}/", delete.Path);
        Assert.Contains($"DELETE instance {id} (attempt 1): HTTP 200", log, StringComparison.Ordinal);
        Assert.Contains($"destroyed instance {id}", log, StringComparison.Ordinal);
        Assert.True(trainer.WaitForExit(TimeSpan.FromSeconds(20)), "the trainer's process group was not stopped");
    }

    [Fact]
    public async Task When_the_instance_key_may_not_destroy_the_watchdog_still_stops_the_trainer_and_says_so()
    {
        await using var h = await FakeVastHarness.StartAsync();
        h.Fake.AddOffer();
        h.Fake.InstanceKeysMayDestroy = false;
        var id = (await h.ProvisionAsync()).InstanceId;
        using var trainer = StartTrainerGroup();

        var (log, _) = await RunOnstartAsync(h.Fake.BaseUrl, id, FakeVast.InstanceKey(id));

        Assert.True(trainer.WaitForExit(TimeSpan.FromSeconds(20)), "the trainer's process group was not stopped");
        Assert.Contains("HTTP 403", log, StringComparison.Ordinal);
        Assert.Contains($"the instance key may not destroy instance {id}", log, StringComparison.Ordinal);
        Assert.Contains("reap-orphans", log, StringComparison.Ordinal);
        Assert.Single(h.Fake.LiveInstances);
        await h.DestroyAllAsync();
    }

    [Fact]
    public void The_script_carries_no_secret_and_refuses_values_that_could_break_out_of_it()
    {
        var script = VastWatchdog.OnstartScript(TimeSpan.FromMinutes(90), "https://console.vast.ai/", "quantlab-ml");

        Assert.Contains("'5400' 'https://console.vast.ai' 'quantlab-ml'", script, StringComparison.Ordinal);
        Assert.Contains("CONTAINER_API_KEY", script, StringComparison.Ordinal);
        Assert.Contains("/opt/conda/bin/python3", script, StringComparison.Ordinal);
        Assert.Throws<QuantLab.Ml.Common.UsageException>(() => VastWatchdog.OnstartScript(TimeSpan.FromMinutes(1), "https://x/'$(id)", "r"));
        Assert.Throws<QuantLab.Ml.Common.UsageException>(() => VastWatchdog.OnstartScript(TimeSpan.FromMinutes(1), "https://x", "a b"));
    }

    /// <summary>A stand-in trainer in its own process group, registered the way launch.sh registers one (jobs/&lt;id&gt;/pgid).</summary>
    private Process StartTrainerGroup()
    {
        var start = new ProcessStartInfo("setsid", ["sleep", "300"]) { UseShellExecute = false };
        var process = Process.Start(start)!;
        var job = Directory.CreateDirectory(temp.Combine("root", "jobs", "job-watchdog"));
        File.WriteAllText(Path.Combine(job.FullName, "pgid"), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        return process;
    }

    /// <summary>Runs the generated onstart under sh with a 1-second limit and waits for the watchdog to finish; returns its log and the script.</summary>
    private async Task<(string Log, string Script)> RunOnstartAsync(string baseUrl, long instanceId, string instanceKey)
    {
        var script = VastWatchdog.OnstartScript(TimeSpan.FromSeconds(1), baseUrl, temp.Combine("root"));

        // A PATH with Python and nothing else: no curl, no pkill, no coreutils.
        var bin = Directory.CreateDirectory(temp.Combine("bin"));
        File.CreateSymbolicLink(Path.Combine(bin.FullName, "python3"), TestEnvironment.Python);
        Assert.False(File.Exists(Path.Combine(bin.FullName, "curl")));
        var logPath = temp.Combine("watchdog.log");
        var start = new ProcessStartInfo("/bin/sh", ["-c", script]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Clear();
        start.Environment["PATH"] = bin.FullName;
        start.Environment["HOME"] = temp.Path;
        start.Environment["CONTAINER_ID"] = instanceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CONTAINER_API_KEY"] = instanceKey;
        start.Environment["QUANTLAB_WATCHDOG_LOG"] = logPath;
        using (var sh = Process.Start(start)!)
        {
            await sh.WaitForExitAsync(Ct);
            Assert.True(sh.ExitCode == 0, await sh.StandardError.ReadToEndAsync(Ct));
        }

        // onstart returns at once; the watchdog sleeps its second, stops the trainer, then calls Vast.
        var log = string.Empty;
        for (var i = 0; i < 600 && !(log.Contains("destroyed instance", StringComparison.Ordinal) || log.Contains("reap-orphans", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100, Ct);
            log = File.Exists(logPath) ? await File.ReadAllTextAsync(logPath, Ct) : string.Empty;
        }

        return (log, script);
    }
}
