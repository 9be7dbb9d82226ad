using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;
using static QuantLab.Ml.Tests.Reaping.ReapTestBed;

namespace QuantLab.Ml.Tests.Reaping;

/// <summary>
/// The reaper against a stateful fake Vast and a folder store: exactly the orphans go, everything else stays. Destroys that
/// fail are in <see cref="OrphanReaperDestroyTests"/>.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OrphanReaperTests : IAsyncLifetime
{
    private static readonly TimeSpan Hard = TimeSpan.FromMinutes(90);
    private ReapTestBed bed = null!;

    public async ValueTask InitializeAsync() => bed = await StartAsync();

    public async ValueTask DisposeAsync() => await bed.DisposeAsync();

    /// <summary>An account as a bad night leaves it: our instances in every state and with every kind of record, plus strangers.</summary>
    private sealed record Account(
        long RunFailed, long KilledRun, long LiveRun, long TooOld, long Unrecorded, long JustCreated,
        long Foreign, long Unlabelled, long OfflineAfterDestroyed, long RemoteLive, long RemoteStale,
        Dictionary<long, QuantLab.Ml.Storage.InstanceRecord> Records)
    {
        public long[] Orphans => [RunFailed, KilledRun, TooOld, Unrecorded, OfflineAfterDestroyed, RemoteStale];

        public long[] Survivors => [LiveRun, JustCreated, Foreign, Unlabelled, RemoteLive];
    }

    private async Task<Account> SeedAccountAsync()
    {
        var records = new Dictionary<long, QuantLab.Ml.Storage.InstanceRecord>();

        // The run failed and said so, but its instance is still there.
        var failedJob = JobId("btcusdt");
        var runFailed = bed.AddOurs(failedJob, Minutes(40));
        records[runFailed] = await bed.RecordAsync(failedJob, "run-a", "failed", runFailed, Alive, Minutes(41));

        // run-daily was SIGKILLed: record still "running", its pid gone, its lock expired; the instance stopped but bills storage.
        var killedJob = JobId("ethusdt");
        var killed = bed.AddOurs(killedJob, Minutes(30), status: "stopped");
        records[killed] = await bed.RecordAsync(killedJob, "run-b", "running", killed, Dead, Minutes(31));
        await bed.LockAsync(killedJob, "run-b", Dead, Minutes(100), Hard);

        // A live run on this host: its process is this test, its lock is live; the instance is still loading.
        var liveJob = JobId("solusdt");
        var live = bed.AddOurs(liveJob, Minutes(20), status: "loading");
        records[live] = await bed.RecordAsync(liveJob, "run-c", "created", live, Alive, Minutes(21));
        await bed.LockAsync(liveJob, "run-c", Alive, Minutes(22), Hard);

        // Records say live, but it has outlived max runtime + margin.
        var oldJob = JobId("xrpusdt");
        var tooOld = bed.AddOurs(oldJob, TimeSpan.FromHours(3));
        records[tooOld] = await bed.RecordAsync(oldJob, "run-d", "running", tooOld, Alive, TimeSpan.FromHours(3));
        await bed.LockAsync(oldJob, "run-d", Alive, Minutes(5), Hard);

        // Ours by label, no record in this store: older than the longest a job can live it goes, younger it stays (its
        // run may record to another store).
        var unrecorded = bed.AddOurs(JobId("adausdt"), TimeBudget.Default.LongestJobLife + Minutes(5), status: "exited");
        var justCreated = bed.AddOurs(JobId("dogeusdt"), Minutes(5));

        // Not ours, however old.
        var foreign = bed.Fake.AddInstance("someone-else:job-btcusdt-20260313-0123456789ab", "running", ageHours: 500);
        var unlabelled = bed.Fake.AddInstance(null, "stopped", ageHours: 500);

        // The run destroyed it by its own account, and yet it exists, offline.
        var destroyedJob = JobId("bnbusdt");
        var offline = bed.AddOurs(destroyedJob, Minutes(50), status: "offline");
        records[offline] = await bed.RecordAsync(destroyedJob, "run-e", "destroyed", offline, Alive, Minutes(51));

        // Runs on another host: one with a live lock stays, one whose lock expired long ago goes.
        var remoteJob = JobId("ltcusdt");
        var remoteLive = bed.AddOurs(remoteJob, Minutes(30));
        records[remoteLive] = await bed.RecordAsync(remoteJob, "run-f", "running", remoteLive, Elsewhere, Minutes(31));
        await bed.LockAsync(remoteJob, "run-f", Elsewhere, Minutes(35), Hard);

        var remoteStaleJob = JobId("dotusdt");
        var remoteStale = bed.AddOurs(remoteStaleJob, Minutes(45));
        records[remoteStale] = await bed.RecordAsync(remoteStaleJob, "run-g", "running", remoteStale, Elsewhere, Minutes(46));
        await bed.LockAsync(remoteStaleJob, "run-g", Elsewhere, TimeBudget.Default.LongestJobLife + Minutes(5), Hard);

        return new Account(runFailed, killed, live, tooOld, unrecorded, justCreated, foreign, unlabelled, offline, remoteLive, remoteStale, records);
    }

    [Fact]
    public async Task Destroys_exactly_the_orphans_and_nothing_else()
    {
        var account = await SeedAccountAsync();

        var result = await bed.ReapAsync();

        Assert.Equal(account.Orphans.Order(), bed.Fake.DestroyedInstanceIds.Order());
        Assert.Equal(account.Survivors.Order(), bed.Fake.LiveInstances.Select(i => i.Id).Order());
        Assert.Equal(account.Orphans.Order(), result.Orphans.Select(o => o.Id).Order());
        Assert.All(result.Orphans, o => Assert.Equal(ReapOutcome.Destroyed, o.Outcome));
        Assert.Equal(new[] { account.LiveRun, account.JustCreated, account.RemoteLive }, result.Kept.Select(k => k.Id).Order());
        Assert.Equal(0, result.DestroyFailures);
        Assert.Equal(11, result.InstancesListed);
    }

    [Fact]
    public async Task Each_orphan_says_which_rule_made_it_one()
    {
        var account = await SeedAccountAsync();

        var result = await bed.ReapAsync();

        var rules = result.Orphans.ToDictionary(o => o.Id, o => o.Rule);
        Assert.Equal(OrphanRule.RunEnded, rules[account.RunFailed]);
        Assert.Equal(OrphanRule.RunEnded, rules[account.OfflineAfterDestroyed]);
        Assert.Equal(OrphanRule.OwnerGone, rules[account.KilledRun]);
        Assert.Equal(OrphanRule.OwnerGone, rules[account.RemoteStale]);
        Assert.Equal(OrphanRule.MaxAge, rules[account.TooOld]);
        // The no-record grace is the longest job life, the same as the max age: an unrecorded instance goes by its age.
        Assert.Equal(OrphanRule.MaxAge, rules[account.Unrecorded]);
        var killed = result.Orphans.Single(o => o.Id == account.KilledRun);
        Assert.Contains("is gone", killed.Reason, StringComparison.Ordinal);
        Assert.Equal("stopped", killed.Status);
        Assert.Equal(account.Records[account.KilledRun].AttemptId, killed.AttemptId);
    }

    [Fact]
    public async Task Reaped_instances_have_their_run_records_settled_with_the_cost()
    {
        var account = await SeedAccountAsync();

        await bed.ReapAsync();

        foreach (var id in new[] { account.RunFailed, account.KilledRun, account.TooOld, account.OfflineAfterDestroyed, account.RemoteStale })
        {
            var record = await bed.RecordOfAsync(account.Records[id]);
            Assert.Equal("reaped", record!.Status.Wire());
            Assert.Equal(id, record.InstanceId);
            Assert.NotNull(record.DestroyedAt);
            Assert.True(record.CostUsd > 0, $"record of {id} has cost {record.CostUsd}");
            Assert.True(record.IsSettled);
        }

        // 30 minutes at $0.40/h.
        Assert.InRange((await bed.RecordOfAsync(account.Records[account.KilledRun]))!.CostUsd!.Value, 0.19, 0.25);
        Assert.Equal("created", (await bed.RecordOfAsync(account.Records[account.LiveRun]))!.Status.Wire());
        Assert.Equal("running", (await bed.RecordOfAsync(account.Records[account.RemoteLive]))!.Status.Wire());
    }

    [Fact]
    public async Task A_reap_leaves_one_audit_object_naming_every_orphan()
    {
        var account = await SeedAccountAsync();

        await bed.ReapAsync();

        var audit = Assert.Single(await bed.AuditAsync());
        Assert.Equal(account.Orphans.Order(), audit.Orphans.Select(o => o.Id).Order());
        Assert.All(audit.Orphans, o => Assert.Equal(ReapOutcome.Destroyed, o.Outcome));
        Assert.Equal(Prefix, audit.LabelPrefix);
        Assert.Equal(3, audit.Kept);
        Assert.Equal(0, audit.DestroyFailures);
    }

    [Fact]
    public async Task A_dry_run_reports_the_same_orphans_and_destroys_and_writes_nothing()
    {
        var account = await SeedAccountAsync();
        var recordsBefore = await bed.Store.ListAsync("runs/", TestContext.Current.CancellationToken);

        var result = await bed.ReapAsync(Request(dryRun: true));

        Assert.Equal(account.Orphans.Order(), result.Orphans.Select(o => o.Id).Order());
        Assert.All(result.Orphans, o => Assert.Equal(ReapOutcome.WouldDestroy, o.Outcome));
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
        Assert.Equal(11, bed.Fake.LiveInstances.Count);
        Assert.Equal(recordsBefore, await bed.Store.ListAsync("runs/", TestContext.Current.CancellationToken));
        Assert.Equal("running", (await bed.RecordOfAsync(account.Records[account.KilledRun]))!.Status.Wire());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("someone-else:job-btcusdt-20260313-0123456789ab")]
    [InlineData("QUANTLAB-ML:job-btcusdt-20260313-0123456789ab")]
    [InlineData("quantlab-ml")]
    [InlineData(" quantlab-ml:job-btcusdt-20260313-0123456789ab")]
    [InlineData("my-quantlab-ml:job-btcusdt-20260313-0123456789ab")]
    public async Task An_instance_without_our_prefix_is_never_destroyed_whatever_its_age(string? label)
    {
        var stranger = bed.Fake.AddInstance(label, "stopped", ageHours: 10_000);

        // Even a record that names it and says its run ended does not make it ours.
        await bed.RecordAsync(JobId(), "run-a", "failed", stranger, Dead, TimeSpan.FromDays(400));
        var result = await bed.ReapAsync(Request() with { MaxAge = TimeSpan.FromMinutes(1), NoRecordGrace = TimeSpan.Zero });

        Assert.Empty(result.Orphans);
        Assert.Empty(result.Kept);
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
        Assert.Single(bed.Fake.LiveInstances);
    }

    [Theory]
    [InlineData(FakeBrokenList.Gone410)]
    [InlineData(FakeBrokenList.EmptyBody)]
    [InlineData(FakeBrokenList.ErrorObject)]
    [InlineData(FakeBrokenList.NotAList)]
    public async Task A_broken_instance_list_aborts_the_reap_and_destroys_nothing(FakeBrokenList how)
    {
        var account = await SeedAccountAsync();
        bed.Fake.BreakList(how);

        var ex = await Assert.ThrowsAsync<ReapAbortedException>(() => bed.ReapAsync());

        Assert.IsType<VastApiException>(ex.InnerException, exactMatch: false);
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
        Assert.Equal(11, bed.Fake.LiveInstances.Count);
        Assert.Equal("running", (await bed.RecordOfAsync(account.Records[account.KilledRun]))!.Status.Wire());
        Assert.Empty(await bed.AuditAsync());
    }

    [Fact]
    public async Task A_server_error_on_the_list_aborts_the_reap_and_destroys_nothing()
    {
        await SeedAccountAsync();
        bed.Fake.FailNext(FakeVastRoute.ListInstancesV1, status: 500);

        var ex = await Assert.ThrowsAsync<ReapAbortedException>(() => bed.ReapAsync());

        Assert.Equal(500, Assert.IsType<VastApiException>(ex.InnerException).StatusCode);
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
        Assert.Equal(11, bed.Fake.LiveInstances.Count);
    }

    [Fact]
    public async Task Orphans_on_every_page_of_the_list_are_found()
    {
        bed.Fake.PageSize = 2;
        var account = await SeedAccountAsync();

        await bed.ReapAsync();

        Assert.Equal(account.Orphans.Order(), bed.Fake.DestroyedInstanceIds.Order());
        Assert.Equal(6, bed.CallsTo(FakeVastRoute.ListInstancesV1).Count);
    }

    [Fact]
    public async Task An_unreadable_run_record_aborts_the_reap_rather_than_treating_live_runs_as_unowned()
    {
        await SeedAccountAsync();
        await bed.Store.WriteTextAsync("runs/instances/broken-1.json", "{ not json", QuantLab.Ml.Storage.WriteCondition.None, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<ReapAbortedException>(() => bed.ReapAsync());

        Assert.Contains("cannot read the run records", ex.Message, StringComparison.Ordinal);
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
    }

    [Fact]
    public async Task Rate_limits_during_the_reap_are_waited_out()
    {
        var account = await SeedAccountAsync();
        bed.Fake.RateLimit(FakeVastRoute.ListInstancesV1, times: 2);
        bed.Fake.RateLimit(FakeVastRoute.DestroyInstance, times: 2, FakeRateLimitStyle.JsonDetail);
        bed.Fake.RateLimit(FakeVastRoute.GetInstance, times: 1, FakeRateLimitStyle.JsonError);

        var result = await bed.ReapAsync();

        Assert.Equal(account.Orphans.Order(), bed.Fake.DestroyedInstanceIds.Order());
        Assert.All(result.Orphans, o => Assert.Equal(ReapOutcome.Destroyed, o.Outcome));
        Assert.Equal(2, bed.CallsTo(FakeVastRoute.ListInstancesV1).Count(c => c.StatusCode == 429));
        Assert.Equal(2, bed.CallsTo(FakeVastRoute.DestroyInstance).Count(c => c.StatusCode == 429));
    }

    [Fact]
    public async Task A_run_that_took_over_a_dead_runs_lock_keeps_its_instance_while_the_dead_runs_instance_goes()
    {
        var job = JobId();
        var deadRuns = bed.AddOurs(job, Minutes(50));
        await bed.RecordAsync(job, "run-old", "running", deadRuns, Dead, Minutes(51));
        var liveRuns = bed.AddOurs(job, Minutes(10));
        await bed.RecordAsync(job, "run-new", "running", liveRuns, Alive, Minutes(11));
        await bed.LockAsync(job, "run-new", Alive, Minutes(12), Hard);

        var result = await bed.ReapAsync();

        var orphan = Assert.Single(result.Orphans);
        Assert.Equal(deadRuns, orphan.Id);
        Assert.Contains("held by another run (run-new)", orphan.Reason, StringComparison.Ordinal);
        Assert.Equal(new[] { liveRuns }, bed.Fake.LiveInstances.Select(i => i.Id));
    }

    [Fact]
    public async Task An_instance_still_being_created_is_matched_to_its_record_by_label_and_kept_while_its_run_lives()
    {
        var job = JobId();
        var fresh = bed.AddOurs(job, Minutes(20), status: null);
        await bed.RecordAsync(job, "run-a", "creating", instanceId: null, Alive, Minutes(21));
        await bed.LockAsync(job, "run-a", Alive, Minutes(22), Hard);

        var result = await bed.ReapAsync();

        var kept = Assert.Single(result.Kept);
        Assert.Equal(fresh, kept.Id);
        Assert.Equal("provisioning", kept.Status);
        Assert.Empty(result.Orphans);
    }

    [Fact]
    public async Task An_instance_of_a_killed_create_is_matched_by_label_reaped_and_its_record_gets_the_instance_id()
    {
        var job = JobId();
        var leftover = bed.AddOurs(job, Minutes(20), status: "loading");
        var record = await bed.RecordAsync(job, "run-a", "creating", instanceId: null, Dead, Minutes(21));

        var result = await bed.ReapAsync();

        Assert.Equal(OrphanRule.OwnerGone, Assert.Single(result.Orphans).Rule);
        var settled = await bed.RecordOfAsync(record);
        Assert.Equal("reaped", settled!.Status.Wire());
        Assert.Equal(leftover, settled.InstanceId);
    }

    [Fact]
    public async Task A_live_owner_whose_lock_is_gone_is_given_the_benefit_of_the_doubt_until_max_age()
    {
        var job = JobId();
        var id = bed.AddOurs(job, Minutes(40));
        await bed.RecordAsync(job, "run-a", "running", id, Alive, Minutes(41));

        var young = await bed.ReapAsync();
        var old = await bed.ReapAsync(Request() with { MaxAge = Minutes(30) });

        Assert.Contains("may still be running", Assert.Single(young.Kept).Reason, StringComparison.Ordinal);
        Assert.Equal(OrphanRule.MaxAge, Assert.Single(old.Orphans).Rule);
    }

    [Fact]
    public async Task An_account_with_nothing_of_ours_reads_no_records_and_reaps_nothing()
    {
        bed.Fake.AddInstance("someone-else:x", ageHours: 100);

        var result = await bed.ReapAsync();

        Assert.Equal(1, result.InstancesListed);
        Assert.Empty(result.Orphans);
        Assert.Empty(bed.CallsTo(FakeVastRoute.DestroyInstance));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("quantlab ml:")]
    public void A_blank_or_spaced_label_prefix_is_refused_because_it_would_match_strangers(string prefix)
    {
        var ex = Assert.Throws<UsageException>(() => (Request() with { LabelPrefix = prefix }).Validate());
        Assert.Contains("label prefix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unrecorded_instance_younger_than_the_longest_job_life_is_kept()
    {
        // A live night whose run records to another store (reap-orphans started elsewhere): 30 minutes old, no record here.
        var live = bed.AddOurs(JobId(), Minutes(30));

        var result = await bed.ReapAsync();

        Assert.Empty(result.Orphans);
        Assert.Contains("no run record yet", Assert.Single(result.Kept).Reason, StringComparison.Ordinal);
        Assert.Equal([live], bed.Fake.LiveInstances.Select(i => i.Id));
    }

    [Fact]
    public async Task A_reap_appends_to_the_record_and_keeps_the_owners_cost_and_error()
    {
        var id = bed.AddOurs(JobId(), Minutes(40));
        var owned = (await bed.RecordAsync(JobId(), "run-a", "destroy_failed", id, Dead, Minutes(41))) with { CostUsd = 0.5, Error = "destroy failed: HTTP 500" };
        await new QuantLab.Ml.Storage.InstanceRecords(bed.Store).WriteAsync(owned, TestContext.Current.CancellationToken);

        await bed.ReapAsync();
        await bed.ReapAsync();

        var record = (await bed.RecordOfAsync(owned))!;
        Assert.Equal("reaped", record.Status.Wire());
        Assert.Equal(0.5, record.CostUsd);
        Assert.Equal("destroy failed: HTTP 500", record.Error);
        Assert.Equal("run-a", record.RunId);
        var note = Assert.Single(record.Reaps!);
        Assert.Equal("destroyed", note.Outcome);
        Assert.Equal(id, note.InstanceId);
        Assert.InRange(note.CostUsd!.Value, 0.25, 0.3);
        Assert.Empty(bed.Fake.LiveInstances);
    }
}
