using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class RealTrainerTests(SshdFixture sshd)
{
    // Builds dataset.npz exactly in the trainer's input format: labels that really depend on a feature, a few NaNs.
    private const string MakeDataset = """
        import sys
        import numpy as np
        rng = np.random.default_rng(11)
        names = ["ret_1", "ret_5", "vol_10", "imb_10", "noise"]
        def split(n):
            X = rng.normal(size=(n, len(names))).astype(np.float32)
            score = X[:, 0] + 0.3 * X[:, 1] + rng.normal(scale=0.3, size=n)
            y = np.where(score < -0.5, 0, np.where(score > 0.5, 2, 1)).astype(np.int32)
            X[rng.random(n) < 0.05, 1] = np.nan
            return X, y
        Xtr, ytr = split(600); Xva, yva = split(200); Xte, _ = split(300)
        with open(sys.argv[1], "wb") as f:
            np.savez(f, X_train=Xtr, X_valid=Xva, X_test=Xte, y_train=ytr, y_valid=yva, feature_names=np.array(names, dtype=np.str_))
        """;

    [Fact]
    public async Task Runs_the_real_trainer_over_ssh_and_gets_the_same_model_as_a_local_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var trainerDir = Path.Combine(sshd.RepoRoot, "python");
        using var bed = RemoteTestBed.Create(sshd, packageDir: trainerDir);
        File.Delete(Path.Combine(bed.PackageDir, "quantlab_trainer", "mode.txt"));
        var dataset = Path.Combine(bed.Work, "real-dataset.npz");
        await Proc.RunCheckedAsync(sshd.Python, ["-c", MakeDataset, dataset], ct);
        var spec = RemoteTestBed.Spec(bed.JobId) with
        {
            FeatureNames = ["ret_1", "ret_5", "vol_10", "imb_10", "noise"],
            Counts = new DatasetCounts { Train = 600, Valid = 200, Test = 300 },
            DatasetSha256 = await Hashing.Sha256FileAsync(dataset, ct),
            Xgboost = new XgboostParams { MaxDepth = 3, Eta = 0.3, NumBoostRound = 40, EarlyStoppingRounds = 5, Nthread = 1 },
            Device = "cpu",
        };
        var jobFile = Path.Combine(bed.Work, "real-job.json");
        await File.WriteAllTextAsync(jobFile, AllJson.Serialize(spec), ct);

        // The local provider's way: the same module as a child process, package folder as working directory.
        var localOut = Path.Combine(bed.Work, "local-out");
        await Proc.RunCheckedAsync(sshd.Python, ["-m", "quantlab_trainer", "--job", jobFile, "--data", dataset, "--out", localOut], ct, trainerDir);
        var productionModel = Path.Combine(localOut, "model.bin");
        var job = new TrainingJob { Spec = spec, JobFile = jobFile, DatasetFile = dataset, ProductionModelFile = productionModel, OutputDir = bed.OutputDir };

        var result = await bed.Runner().RunAsync(sshd.Target(), job, ct);

        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(localOut, "model.bin"), ct), await File.ReadAllBytesAsync(Path.Combine(bed.OutputDir, "model.bin"), ct));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(localOut, "predictions.npy"), ct), await File.ReadAllBytesAsync(Path.Combine(bed.OutputDir, "predictions.npy"), ct));

        // Re-scoring the local model on the host gives the local model's own predictions: same bytes in, same bytes back.
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(localOut, "predictions.npy"), ct),
            await File.ReadAllBytesAsync(Path.Combine(bed.OutputDir, "predictions_production.npy"), ct));
        var runtime = await File.ReadAllTextAsync(Path.Combine(bed.OutputDir, "runtime.json"), ct);
        Assert.Contains("\"status\": \"ok\"", runtime, StringComparison.Ordinal);
        var xgboost = (await Proc.RunCheckedAsync(sshd.Python, ["-c", "import xgboost; print(xgboost.__version__)"], ct)).Stdout.Trim();
        Assert.Equal(xgboost, result.Bootstrap.Packages["xgboost"]);
        Assert.False(result.Bootstrap.PipInstalled);
        Assert.Contains(bed.Log.Messages, m => m.Contains("progress round", StringComparison.Ordinal));
    }
}
