using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>The nightly run with compact data and models on the S3 server gives what it gives with folders; rollback works there.</summary>
[Trait("Category", "Integration")]
[Collection("s3")]
public sealed class RunDailyS3EndToEndTests(S3Fixture s3) : IDisposable
{
    private readonly TempDir temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The CLI with the S3 endpoint from configuration and credentials from its environment snapshot, like cron would run it.</summary>
    private CliRunner NewCli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_WorkDir"] = temp.Combine("work");
        cli.Environment["QUANTLAB_S3__ServiceUrl"] = s3.Url;
        foreach (var (key, value) in s3.Environment)
        {
            cli.Environment[key] = value;
        }

        return cli;
    }

    private async Task<string> NewBucketAsync()
    {
        var bucket = S3Fixture.NewBucketName();
        await s3.CreateBucketAsync(bucket, Ct);
        return bucket;
    }

    [Fact]
    public async Task Run_daily_on_s3_data_and_store_gives_the_same_candidate_and_decision_as_with_folders()
    {
        var sample = await NewCli().RunAsync(
            "data", "sample", "--symbol", "btcusdt", "--from", "2026-01-14", "--days", "1", "--hours", "6", "--rate", "4", "--regime", "signal", "--seed", "11", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        var dataBucket = await NewBucketAsync();
        var storeBucket = await NewBucketAsync();
        await s3.UploadTreeAsync(temp.Combine("data"), dataBucket, "compact", Ct);
        var s3Data = $"s3://{dataBucket}/compact";
        var s3Store = $"s3://{storeBucket}/ml";

        var check = await NewCli().RunAsync("data", "check", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", s3Data);
        var withFolders = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--provider", "local", "--data", "data", "--store", "store", "--json");
        var withS3 = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--provider", "local", "--data", s3Data, "--store", s3Store, "--json");

        Assert.True(check.ExitCode == ExitCodes.Ok, check.ToString());
        Assert.True(withFolders.ExitCode == ExitCodes.Ok, withFolders.ToString());
        Assert.True(withS3.ExitCode == ExitCodes.Ok, withS3.ToString());
        var folderRun = withFolders.SingleRun();
        var s3Run = withS3.SingleRun();
        Assert.Equal("succeeded", s3Run.GetProperty("status").GetString());
        Assert.Equal(folderRun.GetProperty("job_id").GetString(), s3Run.GetProperty("job_id").GetString());
        Assert.Equal("promoted", folderRun.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.Equal("promoted", s3Run.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.Equal(s3Store + "/models/candidates/btcusdt/2026-01-14/", s3Run.GetProperty("candidate").GetProperty("stored_at").GetString());

        // On S3: a complete candidate, a production pointer naming its model, and plain copies matching the pointer.
        var registry = new ModelRegistry(new S3ArtifactStore(s3.Client, S3Root.Parse(s3Store, "test"), s3.Options), TimeProvider.System);
        var candidate = await registry.GetCandidateAsync("btcusdt", new DateOnly(2026, 1, 14), Ct);
        Assert.NotNull(candidate);
        var folderCandidate = await new ModelRegistry(new FolderArtifactStore(temp.Combine("store")), TimeProvider.System)
            .GetCandidateAsync("btcusdt", new DateOnly(2026, 1, 14), Ct);
        Assert.Equal(folderCandidate!.Files[ModelRegistry.MetricsFile].Sha256, candidate.Files[ModelRegistry.MetricsFile].Sha256);
        Assert.Equal(folderCandidate.Files[ModelRegistry.ModelFile].Sha256, candidate.Files[ModelRegistry.ModelFile].Sha256);
        var production = await registry.GetProductionAsync("btcusdt", Ct);
        Assert.Equal(candidate.Files[ModelRegistry.ModelFile].Sha256, production!.Value.Manifest.ModelSha256);
        var plainModel = temp.Combine("plain-model.bin");
        await registry.Store.GetFileAsync("models/production/btcusdt/model.bin", plainModel, Ct);
        Assert.Equal(production.Value.Manifest.ModelSha256, await Hashing.Sha256FileAsync(plainModel, Ct));

        var models = await NewCli().RunAsync("models", "--symbol", "btcusdt", "--store", s3Store, "--json");
        Assert.True(models.ExitCode == 0, models.ToString());
        using var listing = JsonDocument.Parse(models.Stdout);
        Assert.True(Assert.Single(listing.RootElement.GetProperty("candidates").EnumerateArray().ToList()).GetProperty("in_production").GetBoolean());
    }

    [Fact]
    public async Task Rollback_on_s3_restores_the_previous_bytes_and_the_history_says_who_and_why()
    {
        var storeBucket = await NewBucketAsync();
        var root = $"s3://{storeBucket}/ml";
        var store = new S3ArtifactStore(s3.Client, S3Root.Parse(root, "test"), s3.Options);
        var registry = new ModelRegistry(store, TimeProvider.System);
        string? etag = null;
        foreach (var (day, model) in new[] { (new DateOnly(2026, 1, 14), "model-one"), (new DateOnly(2026, 1, 15), "model-two") })
        {
            var dir = temp.Combine("c-" + model);
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "model.bin"), model, Ct);
            await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), "{}", Ct);
            var candidate = await registry.PutCandidateAsync(
                "btcusdt", day, $"job-btcusdt-{day:yyyyMMdd}-0123456789ab",
                new Dictionary<string, string> { ["model.bin"] = Path.Combine(dir, "model.bin"), ["metrics.json"] = Path.Combine(dir, "metrics.json") }, Ct);
            await registry.PromoteAsync(candidate, etag, forced: false, "passed", "nightly", temp.Combine("w-" + model), Ct);
            etag = (await registry.GetProductionAsync("btcusdt", Ct))!.Value.ETag;
        }

        var result = await NewCli().RunAsync("rollback", "--symbol", "btcusdt", "--store", root, "--reason", "bad fills overnight", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using (var doc = JsonDocument.Parse(result.Stdout))
        {
            Assert.Equal("2026-01-15", doc.RootElement.GetProperty("from").GetProperty("version").GetString());
            Assert.Equal("2026-01-14", doc.RootElement.GetProperty("to").GetProperty("version").GetString());
        }

        var plain = temp.Combine("production-model.bin");
        await store.GetFileAsync("models/production/btcusdt/model.bin", plain, Ct);
        Assert.Equal("model-one", await File.ReadAllTextAsync(plain, Ct));
        var history = await registry.GetHistoryAsync("btcusdt", Ct);
        Assert.Equal(["promote", "promote", "rollback"], history.Select(h => h.Action));
        Assert.Equal("bad fills overnight", history[^1].Reason);
        Assert.Contains("@", history[^1].ChangedBy, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2026, 1, 14), (await registry.GetProductionAsync("btcusdt", Ct))!.Value.Manifest.Version);
    }

    public void Dispose() => temp.Dispose();
}
