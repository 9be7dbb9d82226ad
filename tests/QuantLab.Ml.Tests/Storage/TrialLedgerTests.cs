using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>The per-symbol trial ledger: every evaluation is appended, concurrent appends are not lost.</summary>
[Trait("Category", "Unit")]
public sealed class TrialLedgerTests : IDisposable
{
    private readonly TempDir temp = new();

    private static TrialEntry Entry(string job, double sharpe) => new()
    {
        JobId = job,
        Date = new DateOnly(2026, 3, 2),
        SharpePerBar = sharpe,
        ConfigHash = "abc",
        RecordedAt = new DateTimeOffset(2026, 3, 3, 0, 30, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task Re_runs_of_the_same_day_are_each_a_trial_and_concurrent_appends_are_all_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new TrialLedger(new FolderArtifactStore(temp.Path));

        Assert.Empty(await ledger.ReadAsync("btcusdt", ct));
        await ledger.AppendAsync("btcusdt", Entry("job-a", 0.01), ct);
        await ledger.AppendAsync("btcusdt", Entry("job-a", 0.02), ct); // the same job again (--force): another trial
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => ledger.AppendAsync("btcusdt", Entry("job-" + i, i / 100.0), ct)));

        var trials = await ledger.ReadAsync("btcusdt", ct);
        Assert.Equal(6, trials.Count);
        Assert.Equal(["job-a", "job-a"], trials.Take(2).Select(t => t.JobId));
        Assert.Empty(await ledger.ReadAsync("ethusdt", ct));
    }

    public void Dispose() => temp.Dispose();
}
