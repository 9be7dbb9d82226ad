using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class JobLockTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 1, 15);
    private readonly TempDir temp = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 16, 0, 15, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FolderArtifactStore Store => new(temp.Path);

    [Fact]
    public async Task A_second_run_for_the_same_job_does_not_get_the_lock_and_learns_who_has_it()
    {
        var locks = new JobLock(Store, time);
        var first = await locks.TryAcquireAsync("btcusdt", Day, "run-a", TimeSpan.FromMinutes(90), Ct);
        var second = await locks.TryAcquireAsync("btcusdt", Day, "run-b", TimeSpan.FromMinutes(90), Ct);

        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal("run-a", second.Holder!.RunId);
    }

    [Fact]
    public async Task Other_symbols_and_days_have_their_own_locks()
    {
        var locks = new JobLock(Store, time);
        Assert.True((await locks.TryAcquireAsync("btcusdt", Day, "run-a", TimeSpan.FromMinutes(90), Ct)).Acquired);
        Assert.True((await locks.TryAcquireAsync("ethusdt", Day, "run-a", TimeSpan.FromMinutes(90), Ct)).Acquired);
        Assert.True((await locks.TryAcquireAsync("btcusdt", Day.AddDays(1), "run-a", TimeSpan.FromMinutes(90), Ct)).Acquired);
    }

    [Fact]
    public async Task An_expired_lock_is_taken_over_and_says_why()
    {
        var locks = new JobLock(Store, time);
        await locks.TryAcquireAsync("btcusdt", Day, "run-a", TimeSpan.FromMinutes(90), Ct);
        time.Advance(TimeSpan.FromMinutes(91));

        var takeover = await locks.TryAcquireAsync("btcusdt", Day, "run-b", TimeSpan.FromMinutes(90), Ct);

        Assert.True(takeover.Acquired);
        Assert.Contains("expired", takeover.TakenOverBecause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lock_whose_owner_process_is_gone_from_this_host_is_taken_over()
    {
        var stale = new LockRecord
        {
            Symbol = "btcusdt",
            Date = Day,
            RunId = "run-dead",
            OwnerHost = Environment.MachineName,
            OwnerPid = int.MaxValue - 7,
            AcquiredAt = time.GetUtcNow(),
            ExpiresAt = time.GetUtcNow().AddHours(1),
        };
        await Store.WriteTextAsync("locks/btcusdt-20260115.json", AllJson.Serialize(stale), WriteCondition.None, Ct);

        var attempt = await new JobLock(Store, time).TryAcquireAsync("btcusdt", Day, "run-b", TimeSpan.FromMinutes(90), Ct);

        Assert.True(attempt.Acquired);
        Assert.Contains("is gone", attempt.TakenOverBecause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Releasing_frees_the_lock_for_the_next_run()
    {
        var locks = new JobLock(Store, time);
        var first = await locks.TryAcquireAsync("btcusdt", Day, "run-a", TimeSpan.FromMinutes(90), Ct);
        await locks.ReleaseAsync(first, Ct);

        Assert.True((await locks.TryAcquireAsync("btcusdt", Day, "run-b", TimeSpan.FromMinutes(90), Ct)).Acquired);
    }

    public void Dispose() => temp.Dispose();
}
