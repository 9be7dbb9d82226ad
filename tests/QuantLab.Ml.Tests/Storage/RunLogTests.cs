using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class RunLogTests : IDisposable
{
    private readonly TempDir temp = new();

    [Fact]
    public async Task Lists_the_newest_runs_first()
    {
        var log = new RunLog(new FolderArtifactStore(temp.Path));
        var start = new DateTimeOffset(2026, 1, 10, 0, 15, 0, TimeSpan.Zero);
        for (var day = 0; day < 3; day++)
        {
            await log.WriteAsync(
                new RunSummary
                {
                    RunId = $"run-{day}",
                    StartedAt = start.AddDays(day),
                    FinishedAt = start.AddDays(day).AddMinutes(5),
                    Provider = "local",
                    Host = "box",
                    Runs = [new RunSummaryEntry { Symbol = "btcusdt", Status = day == 2 ? "failed" : "succeeded" }],
                },
                TestContext.Current.CancellationToken);
        }

        var last = await log.ListAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal(["run-2", "run-1"], last.Select(r => r.RunId));
        Assert.Equal("failed", last[0].Runs[0].Status);
    }

    public void Dispose() => temp.Dispose();
}
