using QuantLab.Ml.Reaping;
using static QuantLab.Ml.Tests.Reaping.ReapTestBed;

namespace QuantLab.Ml.Tests.Reaping;

/// <summary>
/// reap-orphans and batch instances: one machine training many symbols for hours must not be taken for an orphan while
/// its run is alive, and must go once its run is gone or its batch deadline has passed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BatchOrphanTests : IAsyncLifetime
{
    private static readonly TimeSpan Hard = TimeSpan.FromMinutes(90);
    private ReapTestBed bed = null!;

    public async ValueTask InitializeAsync() => bed = await StartAsync();

    public async ValueTask DisposeAsync() => await bed.DisposeAsync();

    private static readonly string[] Jobs = [JobId("btcusdt"), JobId("ethusdt"), JobId("solusdt")];

    [Fact]
    public async Task A_batch_older_than_one_jobs_max_age_is_kept_while_its_run_on_another_host_holds_a_lock_of_one_of_its_jobs()
    {
        var id = bed.AddOurs("batch-night-1", TimeSpan.FromHours(3));
        await bed.BatchRecordAsync("batch-night-1", Jobs, "run-n", id, Elsewhere, TimeSpan.FromHours(3), deadlineIn: TimeSpan.FromHours(2));

        // The first job's lock has lapsed; the last job's is still held by the run.
        await bed.LockAsync(Jobs[0], "run-n", Elsewhere, TimeSpan.FromHours(3), TimeSpan.FromHours(1));
        await bed.LockAsync(Jobs[2], "run-n", Elsewhere, TimeSpan.FromHours(3), TimeSpan.FromHours(5));

        var result = await bed.ReapAsync();

        Assert.Empty(result.Orphans);
        Assert.Contains(bed.Fake.LiveInstances, i => i.Id == id);
    }

    [Fact]
    public async Task A_batch_whose_run_died_on_this_host_is_reaped()
    {
        var id = bed.AddOurs("batch-night-2", TimeSpan.FromMinutes(40));
        await bed.BatchRecordAsync("batch-night-2", Jobs, "run-d", id, Dead, TimeSpan.FromMinutes(40), deadlineIn: TimeSpan.FromHours(4));
        foreach (var job in Jobs)
        {
            await bed.LockAsync(job, "run-d", Dead, TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(30));
        }

        var result = await bed.ReapAsync();

        var orphan = Assert.Single(result.Orphans);
        Assert.Equal(id, orphan.Id);
        Assert.Equal(OrphanRule.OwnerGone, orphan.Rule);
        Assert.DoesNotContain(bed.Fake.LiveInstances, i => i.Id == id);
    }

    [Fact]
    public async Task A_batch_past_its_recorded_deadline_is_reaped_even_while_a_lock_looks_live()
    {
        var id = bed.AddOurs("batch-night-3", TimeSpan.FromHours(9));
        await bed.BatchRecordAsync("batch-night-3", Jobs, "run-x", id, Elsewhere, TimeSpan.FromHours(9), deadlineIn: TimeSpan.FromMinutes(-5));
        await bed.LockAsync(Jobs[1], "run-x", Elsewhere, TimeSpan.FromHours(1), Hard);

        var result = await bed.ReapAsync();

        var orphan = Assert.Single(result.Orphans);
        Assert.Equal(id, orphan.Id);
        Assert.Contains("deadline", orphan.Reason, StringComparison.Ordinal);
    }
}
