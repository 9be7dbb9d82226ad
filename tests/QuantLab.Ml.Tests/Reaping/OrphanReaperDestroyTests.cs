using QuantLab.Ml.Reaping;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support.FakeVast;
using static QuantLab.Ml.Tests.Reaping.ReapTestBed;

namespace QuantLab.Ml.Tests.Reaping;

/// <summary>Destroying orphans on a fake Vast that fails the way the real one does: success that did nothing, 500s, destroys that never take.</summary>
[Trait("Category", "Unit")]
public sealed class OrphanReaperDestroyTests : IAsyncLifetime
{
    /// <summary>More DELETEs than any destroy budget lets through.</summary>
    private const int Forever = 1_000_000;
    private ReapTestBed bed = null!;

    public async ValueTask InitializeAsync() => bed = await StartAsync();

    public async ValueTask DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_failed_destroy_is_reported_and_recorded_and_the_other_orphans_still_go()
    {
        var first = bed.AddOurs(JobId("btcusdt"), Minutes(40));
        var firstRecord = await bed.RecordAsync(JobId("btcusdt"), "run-a", "failed", first, Alive, Minutes(41));
        var second = bed.AddOurs(JobId("ethusdt"), Minutes(40));
        await bed.RecordAsync(JobId("ethusdt"), "run-b", "failed", second, Alive, Minutes(41));

        // Every DELETE of the first orphan answers success and destroys nothing, for as long as the reap tries.
        bed.Fake.IgnoreDestroy(first, times: Forever);
        var result = await bed.ReapAsync();

        var failed = result.Orphans.Single(o => o.Id == first);
        Assert.Equal(ReapOutcome.DestroyFailed, failed.Outcome);
        Assert.Contains("still lists it", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.DestroyFailures);
        Assert.Equal(new[] { first }, bed.Fake.LiveInstances.Select(i => i.Id));
        Assert.Equal(new[] { second }, bed.Fake.DestroyedInstanceIds);
        var record = await bed.RecordOfAsync(firstRecord);
        Assert.Equal("destroy_failed", record!.Status.Wire());
        Assert.Null(record.DestroyedAt);
        Assert.Equal(firstRecord.Error, record.Error);
        Assert.Contains("reap-orphans could not destroy", Assert.Single(record.Reaps!).Error, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(await bed.AuditAsync()).DestroyFailures);
    }

    [Fact]
    public async Task A_destroy_that_fails_once_with_a_500_is_retried_and_only_then_recorded_reaped()
    {
        var id = bed.AddOurs(JobId(), Minutes(40));
        var record = await bed.RecordAsync(JobId(), "run-a", "failed", id, Alive, Minutes(41));
        bed.Fake.FailNext(FakeVastRoute.DestroyInstance, status: 500);

        var result = await bed.ReapAsync();

        Assert.Equal(ReapOutcome.Destroyed, Assert.Single(result.Orphans).Outcome);
        Assert.Equal([500, 200], bed.CallsTo(FakeVastRoute.DestroyInstance).Select(c => c.StatusCode));
        Assert.Empty(bed.Fake.LiveInstances);
        Assert.Equal("reaped", (await bed.RecordOfAsync(record))!.Status.Wire());
    }

    [Fact]
    public async Task A_destroy_that_answers_success_but_leaves_the_instance_is_repeated_until_it_is_gone()
    {
        var id = bed.AddOurs(JobId(), Minutes(40));
        await bed.RecordAsync(JobId(), "run-a", "failed", id, Alive, Minutes(41));
        bed.Fake.IgnoreDestroy(id);

        var result = await bed.ReapAsync();

        Assert.Equal(ReapOutcome.Destroyed, Assert.Single(result.Orphans).Outcome);
        Assert.Equal(2, bed.CallsTo(FakeVastRoute.DestroyInstance).Count);
        Assert.Empty(bed.Fake.LiveInstances);
    }

    [Fact]
    public async Task A_destroy_that_never_takes_is_a_failure_not_a_success()
    {
        var id = bed.AddOurs(JobId(), Minutes(40));
        var record = await bed.RecordAsync(JobId(), "run-a", "failed", id, Alive, Minutes(41));
        bed.Fake.IgnoreDestroy(id, times: Forever);

        var result = await bed.ReapAsync();

        var orphan = Assert.Single(result.Orphans);
        Assert.Equal(ReapOutcome.DestroyFailed, orphan.Outcome);
        Assert.Contains("still lists it", orphan.Error, StringComparison.Ordinal);
        Assert.Single(bed.Fake.LiveInstances);
        var settled = await bed.RecordOfAsync(record);
        Assert.Equal("destroy_failed", settled!.Status.Wire());
        Assert.Null(settled.DestroyedAt);
        Assert.Equal("destroy_failed", Assert.Single(settled.Reaps!).Outcome);
        Assert.Equal(0, result.Orphans.Count(o => o.Outcome is ReapOutcome.Destroyed or ReapOutcome.AlreadyGone));
    }

    [Fact]
    public async Task A_destroy_that_keeps_failing_gives_up_when_its_budget_ends_and_the_next_orphan_gets_a_budget_of_its_own()
    {
        var first = bed.AddOurs(JobId("btcusdt"), Minutes(40));
        await bed.RecordAsync(JobId("btcusdt"), "run-a", "failed", first, Alive, Minutes(41));
        var second = bed.AddOurs(JobId("ethusdt"), Minutes(40));
        await bed.RecordAsync(JobId("ethusdt"), "run-b", "failed", second, Alive, Minutes(41));
        bed.Fake.IgnoreDestroy(first, times: Forever);
        bed.Fake.IgnoreDestroy(second, times: Forever);
        var budget = TimeSpan.FromSeconds(90);

        var result = await bed.ReapAsync(Request() with { DestroyBudget = budget });

        Assert.Equal(2, result.DestroyFailures);
        var took = result.FinishedAt - result.StartedAt;
        Assert.InRange(took, budget, (budget * 2) + TimeSpan.FromMinutes(1));
        Assert.Equal(2, bed.Fake.LiveInstances.Count);
    }

    [Fact]
    public async Task The_reaper_logs_every_destroy_with_the_instance_id_as_a_property()
    {
        var id = bed.AddOurs(JobId(), Minutes(40));
        await bed.RecordAsync(JobId(), "run-a", "failed", id, Alive, Minutes(41));

        await bed.ReapAsync();

        Assert.Contains(bed.Sink.Events, e => e.MessageTemplate.Text.StartsWith("Destroying orphan", StringComparison.Ordinal)
            && e.Properties["InstanceId"].ToString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
