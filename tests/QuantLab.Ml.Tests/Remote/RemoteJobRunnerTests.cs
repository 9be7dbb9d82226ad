using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;

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
        var record = await Json.ReadFileAsync<RemoteRunResult>(Path.Combine(bed.OutputDir, RemoteRunResult.FileName), ct);
        Assert.Equal(result.RemoteJobDir, record.RemoteJobDir);
        Assert.Equal(bed.RemoteJobDir, record.RemoteJobDir);
        Assert.Contains(bed.Log.Messages, m => m.Contains("fake trainer: job " + bed.JobId, StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", bed.Log.Messages));
    }
}
