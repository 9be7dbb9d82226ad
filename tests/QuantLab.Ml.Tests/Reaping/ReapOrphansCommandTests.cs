using System.Globalization;
using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support.FakeVast;
using static QuantLab.Ml.Tests.Reaping.ReapTestBed;

namespace QuantLab.Ml.Tests.Reaping;

/// <summary>`quantlab-ml reap-orphans` as cron and the operator run it, against the fake Vast on loopback.</summary>
[Trait("Category", "Unit")]
public sealed class ReapOrphansCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Hard = TimeSpan.FromMinutes(90);
    private ReapTestBed bed = null!;

    public async ValueTask InitializeAsync() => bed = await StartForCliAsync();

    public async ValueTask DisposeAsync() => await bed.DisposeAsync();

    /// <summary>What a SIGKILLed run-daily leaves: its record still "running" with a dead pid, its lock expired, its instance billing.</summary>
    private async Task<(long Instance, QuantLab.Ml.Storage.InstanceRecord Record)> KilledRunAsync(string symbol = "btcusdt")
    {
        var job = JobId(symbol);
        var id = bed.AddOurs(job, Minutes(35), status: "running", dph: 0.6);
        var record = await bed.RecordAsync(job, "run-20260314T001500Z-dead01", "running", id, Dead, Minutes(36));
        await bed.LockAsync(job, "run-20260314T001500Z-dead01", Dead, Minutes(95), Hard);
        return (id, record);
    }

    [Fact]
    public async Task The_instance_of_a_sigkilled_run_daily_is_destroyed_by_the_next_reap_and_its_record_settled()
    {
        var (instance, record) = await KilledRunAsync();

        var reap = await bed.Cli().RunAsync("reap-orphans");

        Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
        Assert.Equal(new[] { instance }, bed.Fake.DestroyedInstanceIds);
        var settled = await bed.RecordOfAsync(record);
        Assert.Equal("reaped", settled!.Status.Wire());
        Assert.InRange(settled.CostUsd!.Value, 0.3, 0.5);
        Assert.Contains(instance.ToString(CultureInfo.InvariantCulture), reap.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 orphans destroyed", reap.Stdout, StringComparison.Ordinal);
        Assert.Single(await bed.AuditAsync());

        var again = await bed.Cli().RunAsync("reap-orphans");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        Assert.Contains("0 orphans destroyed", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reaped_instance_is_announced_on_the_alert_webhook_and_a_dry_run_is_not()
    {
        var (instance, _) = await KilledRunAsync();
        using var receiver = QuantLab.Ml.Tests.Operations.OpsTestKit.StartReceiver();
        var dry = bed.Cli();
        dry.Environment["QUANTLAB_Alerts__WebhookUrl"] = receiver.Url + "/hook";
        await dry.RunAsync("reap-orphans", "--dry-run");
        Assert.Empty(receiver.LogEntries);

        var real = bed.Cli();
        real.Environment["QUANTLAB_Alerts__WebhookUrl"] = receiver.Url + "/hook";
        var reap = await real.RunAsync("reap-orphans");

        Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
        var posted = Assert.Single(receiver.LogEntries);
        Assert.Contains(instance.ToString(CultureInfo.InvariantCulture), posted.RequestMessage.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_prints_one_line_per_orphan_with_its_columns_and_destroys_nothing()
    {
        var (instance, _) = await KilledRunAsync();
        bed.Fake.AddInstance("someone-else:x", "running", ageHours: 50);

        var dry = await bed.Cli().RunAsync("reap-orphans", "--dry-run");

        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Empty(bed.Fake.DestroyedInstanceIds);
        var lines = dry.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["ID", "LABEL", "STATUS", "AGE", "$/H", "COST", "SO", "FAR", "REASON"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = lines[1];
        Assert.StartsWith(instance.ToString(CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        Assert.Contains(Prefix + JobId(), row, StringComparison.Ordinal);
        Assert.Contains("running", row, StringComparison.Ordinal);
        Assert.Contains("35m", row, StringComparison.Ordinal);
        Assert.Contains("0.600", row, StringComparison.Ordinal);
        Assert.Contains("0.35", row, StringComparison.Ordinal);
        Assert.Contains("is gone", row, StringComparison.Ordinal);
        Assert.DoesNotContain("someone-else", dry.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("dry run:", lines[2], StringComparison.Ordinal);
        Assert.Empty(await bed.AuditAsync());
    }

    [Fact]
    public async Task Json_output_carries_the_same_fields_as_the_dry_run_lines()
    {
        var (instance, record) = await KilledRunAsync();

        var dry = await bed.Cli().RunAsync("reap-orphans", "--dry-run", "--json");

        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        using var doc = JsonDocument.Parse(dry.Stdout);
        var orphan = Assert.Single(doc.RootElement.GetProperty("orphans").EnumerateArray());
        Assert.Equal(instance, orphan.GetProperty("id").GetInt64());
        Assert.Equal(Prefix + JobId(), orphan.GetProperty("label").GetString());
        Assert.Equal("running", orphan.GetProperty("status").GetString());
        Assert.InRange(orphan.GetProperty("age_seconds").GetDouble(), 35 * 60, 40 * 60);
        Assert.Equal(0.6, orphan.GetProperty("price_per_hour").GetDouble());
        Assert.InRange(orphan.GetProperty("cost_so_far").GetDouble(), 0.3, 0.5);
        Assert.Contains("is gone", orphan.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("owner_gone", orphan.GetProperty("rule").GetString());
        Assert.Equal("would_destroy", orphan.GetProperty("outcome").GetString());
        Assert.Equal(record.AttemptId, orphan.GetProperty("attempt_id").GetString());
        Assert.True(doc.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Empty(bed.Fake.DestroyedInstanceIds);
    }

    [Theory]
    [InlineData("410")]
    [InlineData("empty")]
    [InlineData("500")]
    public async Task A_broken_instance_list_exits_1_with_one_error_line_and_destroys_nothing(string how)
    {
        await KilledRunAsync();
        switch (how)
        {
            case "410":
                bed.Fake.BreakList(FakeBrokenList.Gone410);
                break;
            case "empty":
                bed.Fake.BreakList(FakeBrokenList.EmptyBody);
                break;
            default:
                bed.Fake.FailNext(FakeVastRoute.ListInstancesV1, status: 500);
                break;
        }

        var reap = await bed.Cli().RunAsync("reap-orphans");

        Assert.Equal(ExitCodes.Failed, reap.ExitCode);
        Assert.StartsWith("error: cannot list the Vast instances, so nothing was reaped", Assert.Single(reap.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(bed.Fake.DestroyedInstanceIds);
        Assert.DoesNotContain(bed.Fake.Calls, c => c.Route == FakeVastRoute.DestroyInstance);
        Assert.DoesNotContain("orphans destroyed", reap.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_destroy_exits_1_so_cron_mail_shows_it()
    {
        var (instance, _) = await KilledRunAsync();
        bed.Fake.FailNext(FakeVastRoute.DestroyInstance, status: 500, times: 10_000);

        var reap = await bed.Cli().RunAsync("reap-orphans", "--json");

        Assert.Equal(ExitCodes.Failed, reap.ExitCode);
        using var doc = JsonDocument.Parse(reap.Stdout);
        Assert.Equal("destroy_failed", doc.RootElement.GetProperty("orphans")[0].GetProperty("outcome").GetString());
        Assert.Equal(new[] { instance }, bed.Fake.LiveInstances.Select(i => i.Id));
        var error = Assert.Single(reap.ErrorLines);
        Assert.Contains($"Vast instance {instance} ", error, StringComparison.Ordinal);
        Assert.Contains("500", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destroy_that_fails_once_with_a_500_is_retried_and_the_orphan_is_reaped_once_vast_no_longer_lists_it()
    {
        var (instance, record) = await KilledRunAsync();
        bed.Fake.FailNext(FakeVastRoute.DestroyInstance, status: 500);

        var reap = await bed.Cli().RunAsync("reap-orphans");

        Assert.True(reap.ExitCode == ExitCodes.Ok, reap.ToString());
        Assert.Empty(reap.ErrorLines);
        Assert.Equal([500, 200], bed.Fake.Calls.Where(c => c.Route == FakeVastRoute.DestroyInstance).Select(c => c.StatusCode));
        Assert.Equal(new[] { instance }, bed.Fake.DestroyedInstanceIds);
        Assert.Equal("reaped", (await bed.RecordOfAsync(record))!.Status.Wire());
        Assert.Contains("1 orphans destroyed", reap.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destroy_that_answers_success_but_destroys_nothing_is_not_reported_destroyed_and_exits_1_naming_the_instance()
    {
        var (instance, record) = await KilledRunAsync();
        bed.Fake.IgnoreDestroy(instance, times: 10_000);

        var reap = await bed.Cli().RunAsync("reap-orphans");

        Assert.Equal(ExitCodes.Failed, reap.ExitCode);
        var error = Assert.Single(reap.ErrorLines);
        Assert.StartsWith($"error: Vast instance {instance} ", error, StringComparison.Ordinal);
        Assert.Contains("may still be billing", error, StringComparison.Ordinal);
        Assert.Contains("still lists it", error, StringComparison.Ordinal);
        Assert.EndsWith("the next reap-orphans will retry it", error, StringComparison.Ordinal);
        Assert.Contains("0 orphans destroyed", reap.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 could NOT be destroyed", reap.Stdout, StringComparison.Ordinal);
        Assert.Equal(new[] { instance }, bed.Fake.LiveInstances.Select(i => i.Id));
        var settled = await bed.RecordOfAsync(record);
        Assert.Equal("destroy_failed", settled!.Status.Wire());
        Assert.Null(settled.DestroyedAt);

        // Vast recovers: the next reap destroys it, verified, and says so.
        bed.Fake.ClearFaults();
        var again = await bed.Cli().RunAsync("reap-orphans");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        Assert.Empty(bed.Fake.LiveInstances);
        Assert.Equal("reaped", (await bed.RecordOfAsync(record))!.Status.Wire());
    }

    /// <summary>A night's batch past one job's life, still training: its record and lock are in the store its runs use.</summary>
    private async Task<long> LiveBatchAsync()
    {
        string[] jobs = [JobId("btcusdt"), JobId("ethusdt"), JobId("solusdt")];
        var age = QuantLab.Ml.Configuration.TimeBudget.Default.LongestJobLife + Minutes(10);
        var id = bed.AddOurs("batch-20260314T001500Z-1", age);
        await bed.BatchRecordAsync("batch-20260314T001500Z-1", jobs, "run-20260314T001500Z-live01", id, Alive, age, deadlineIn: TimeSpan.FromHours(2));
        await bed.LockAsync(jobs[2], "run-20260314T001500Z-live01", Alive, age, TimeSpan.FromHours(5));
        return id;
    }

    [Fact]
    public async Task From_a_home_folder_without_a_named_store_reap_orphans_refuses_in_one_line_and_destroys_no_live_machine()
    {
        var live = await LiveBatchAsync();
        using var home = new QuantLab.Ml.Tests.Support.TempDir();

        var reap = await bed.Cli(home.Path, nameTheStore: false).RunAsync("reap-orphans");

        Assert.Equal(ExitCodes.Usage, reap.ExitCode);
        var error = Assert.Single(reap.ErrorLines);
        Assert.Contains(Path.Combine(home.Path, ".quantlab"), error, StringComparison.Ordinal);
        Assert.Contains("has never recorded a run", error, StringComparison.Ordinal);
        Assert.Contains("--store", error, StringComparison.Ordinal);
        Assert.DoesNotContain(bed.Fake.Calls, c => c.Route == FakeVastRoute.DestroyInstance);
        Assert.Contains(bed.Fake.LiveInstances, i => i.Id == live);
        Assert.False(Directory.Exists(Path.Combine(home.Path, ".quantlab", "runs")));

        // Named, the same reap finds the batch's record and keeps it.
        var named = await bed.Cli(home.Path).RunAsync("reap-orphans");
        Assert.True(named.ExitCode == ExitCodes.Ok, named.ToString());
        Assert.Contains(bed.Fake.LiveInstances, i => i.Id == live);
    }

    [Fact]
    public async Task From_a_home_folder_without_a_named_store_status_refuses_in_one_line_instead_of_reporting_an_empty_store()
    {
        using var home = new QuantLab.Ml.Tests.Support.TempDir();

        var status = await bed.Cli(home.Path, nameTheStore: false).RunAsync("status", "--json");

        Assert.Equal(ExitCodes.Usage, status.ExitCode);
        var error = Assert.Single(status.ErrorLines);
        Assert.Contains(Path.Combine(home.Path, ".quantlab"), error, StringComparison.Ordinal);
        Assert.Contains("QUANTLAB_CONFIG", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\"symbols\"", status.Stdout, StringComparison.Ordinal);

        // A store that has recorded runs is its own proof, named or not.
        Directory.CreateDirectory(Path.Combine(home.Path, ".quantlab", "runs", "instances"));
        await File.WriteAllTextAsync(Path.Combine(home.Path, ".quantlab", "runs", "instances", "x.json"), "{}", TestContext.Current.CancellationToken);
        var again = await bed.Cli(home.Path, nameTheStore: false).RunAsync("status", "--json");
        Assert.NotEqual(ExitCodes.Usage, again.ExitCode);
    }

    [Fact]
    public async Task Max_age_from_the_command_line_reaps_an_instance_whose_run_is_alive()
    {
        var job = JobId();
        var id = bed.AddOurs(job, Minutes(40));
        await bed.RecordAsync(job, "run-live", "running", id, Alive, Minutes(41));
        await bed.LockAsync(job, "run-live", Alive, Minutes(42), Hard);

        var kept = await bed.Cli().RunAsync("reap-orphans");
        var reaped = await bed.Cli().RunAsync("reap-orphans", "--max-age", "30m");

        Assert.True(kept.ExitCode == 0 && reaped.ExitCode == 0, kept + "\n" + reaped);
        Assert.Contains("1 kept", kept.Stdout, StringComparison.Ordinal);
        Assert.Contains("older than the max age of 30m", reaped.Stdout, StringComparison.Ordinal);
        Assert.Equal(new[] { id }, bed.Fake.DestroyedInstanceIds);
    }

    [Fact]
    public async Task Label_prefix_from_the_command_line_limits_the_reap_to_that_prefix()
    {
        var ours = bed.Fake.AddInstance("staging-ml:job-btcusdt-20260313-0123456789ab", "running", ageHours: 5);
        var production = bed.Fake.AddInstance(Prefix + JobId(), "running", ageHours: 5);

        var reap = await bed.Cli().RunAsync("reap-orphans", "--label-prefix", "staging-ml:");

        Assert.True(reap.ExitCode == 0, reap.ToString());
        Assert.Equal(new[] { ours }, bed.Fake.DestroyedInstanceIds);
        Assert.Equal(new[] { production }, bed.Fake.LiveInstances.Select(i => i.Id));
    }

    [Theory]
    [InlineData("--max-age", "soon")]
    [InlineData("--max-age", "0m")]
    [InlineData("--label-prefix", "has space")]
    public async Task Bad_options_are_usage_errors_and_touch_nothing(string option, string value)
    {
        await KilledRunAsync();

        var reap = await bed.Cli().RunAsync("reap-orphans", option, value);

        Assert.Equal(ExitCodes.Usage, reap.ExitCode);
        Assert.Single(reap.ErrorLines);
        Assert.DoesNotContain(bed.Fake.Calls, c => c.Route == FakeVastRoute.DestroyInstance);
    }

    [Fact]
    public async Task Without_an_api_key_it_says_how_to_give_one()
    {
        var cli = bed.Cli();
        cli.Environment.Remove("VAST_API_KEY");

        var reap = await cli.RunAsync("reap-orphans");

        Assert.Equal(ExitCodes.Usage, reap.ExitCode);
        Assert.Contains("VAST_API_KEY", Assert.Single(reap.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(bed.Fake.Calls);
    }

    [Fact]
    public async Task Help_lists_the_options_and_exit_codes()
    {
        var help = await bed.Cli().RunAsync("reap-orphans", "--help");

        Assert.Equal(0, help.ExitCode);
        foreach (var option in new[] { "--dry-run", "--max-age", "--label-prefix", "--store", "--json", "1 a destroy failed" })
        {
            Assert.Contains(option, help.Stdout, StringComparison.Ordinal);
        }
    }
}
