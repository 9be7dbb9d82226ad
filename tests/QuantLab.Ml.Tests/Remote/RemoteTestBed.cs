using QuantLab.Ml.Tests.Support;
using System.Security.Cryptography;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Remote;

/// <summary>
/// A job ready to run against the loopback sshd: a temp work folder with job.json, dataset.npz, a copy of the fake trainer
/// package set to one behaviour, and a remote root inside the same temp folder (loopback: the test can look at the "remote" side).
/// </summary>
internal sealed class RemoteTestBed : IDisposable
{
    private RemoteTestBed(SshdFixture sshd, string work, string jobId, string remoteRoot)
    {
        Sshd = sshd;
        Work = work;
        JobId = jobId;
        RemoteRoot = remoteRoot;
        PackageDir = Path.Combine(work, "package");
        OutputDir = Path.Combine(work, "out");
    }

    public SshdFixture Sshd { get; }
    public string Work { get; }
    public string JobId { get; }
    public string RemoteRoot { get; }
    public string PackageDir { get; }
    public string OutputDir { get; }
    public CapturedLog Log { get; } = new();
    public TrainingJob Job { get; private set; } = null!;

    public string RemoteJobDir => Path.Combine(RemoteRoot, "jobs", JobId);

    /// <summary>Builds a bed whose fake trainer behaves as <paramref name="mode"/> (see FakeTrainer/quantlab_trainer/__main__.py).</summary>
    public static RemoteTestBed Create(SshdFixture sshd, string mode = "ok", string remoteRootName = "remote-root", bool withProductionModel = false, string? packageDir = null)
    {
        var work = Directory.CreateTempSubdirectory("quantlab-remote-test-").FullName;
        var jobId = "job-btcusdt-20260115-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var bed = new RemoteTestBed(sshd, work, jobId, Path.Combine(work, remoteRootName));
        TestFiles.CopyDirectory(packageDir ?? Path.Combine(sshd.RepoRoot, "tests", "QuantLab.Ml.Tests", "Remote", "FakeTrainer"), bed.PackageDir);
        File.WriteAllText(Path.Combine(bed.PackageDir, "quantlab_trainer", "mode.txt"), mode);
        var jobFile = Path.Combine(work, "job.json");
        File.WriteAllText(jobFile, AllJson.Serialize(Spec(jobId)));
        var dataset = Path.Combine(work, "dataset.npz");
        File.WriteAllBytes(dataset, RandomNumberGenerator.GetBytes(1024 * 1024 + 17));
        string? production = null;
        if (withProductionModel)
        {
            production = Path.Combine(work, "production-model.bin");
            File.WriteAllBytes(production, RandomNumberGenerator.GetBytes(4096));
        }

        bed.Job = new TrainingJob { Spec = Spec(jobId), JobFile = jobFile, DatasetFile = dataset, ProductionModelFile = production, OutputDir = bed.OutputDir };
        return bed;
    }

    public TrainerPackage Package => TrainerPackage.FromFolder(PackageDir);

    /// <summary>Short limits so the suite stays fast; the interpreter is the test Python (the login's python3 lacks numpy).</summary>
    public RemoteRunnerOptions Options(TimeSpan? maxRuntime = null) => new()
    {
        Python = Sshd.Python,
        Root = RemoteRoot,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(30),
        PollInterval = TimeSpan.FromMilliseconds(300),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        KillGrace = TimeSpan.FromSeconds(2),
        RemoteWatchdogGrace = TimeSpan.FromSeconds(60),
        MaxRuntime = maxRuntime ?? TimeSpan.FromSeconds(90),
        CleanupBudget = TimeSpan.FromSeconds(30),
        Resilience = new SshResilienceOptions
        {
            ReadinessTimeout = TimeSpan.FromSeconds(20),
            ReconnectTimeout = TimeSpan.FromSeconds(30),
            RetryDelay = TimeSpan.FromMilliseconds(200),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        },
    };

    public RemoteJobRunner Runner(RemoteRunnerOptions? options = null) => new(Package, options ?? Options(), TimeProvider.System, Log.Logger);

    /// <summary>The launcher's process group on the "remote" side, once it has written it.</summary>
    public async Task<int> WaitForTrainerPgidAsync(CancellationToken ct)
    {
        var file = Path.Combine(RemoteJobDir, "pgid");
        for (var i = 0; i < 600; i++)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pgid) && File.Exists(Path.Combine(RemoteJobDir, "out", "train.log")))
            {
                return pgid;
            }

            await Task.Delay(50, ct);
        }

        throw new TimeoutException("the trainer never started on the loopback host");
    }

    public static JobSpec Spec(string jobId) => new()
    {
        JobId = jobId,
        Symbol = "btcusdt",
        Exchange = "binance",
        Stream = "bbo",
        Date = new DateOnly(2026, 1, 15),
        WindowDays = 1,
        Partitions =
        [
            new DataPartition
            {
                Exchange = "binance",
                Stream = "bbo",
                Symbol = "btcusdt",
                Date = new DateOnly(2026, 1, 15),
                Key = "exchange=binance/stream=bbo/symbol=btcusdt/date=20260115/data.parquet",
                Sha256 = new string('0', 64),
                Rows = 1000,
                SizeBytes = 1000,
                DayQuality = "GOOD",
            },
        ],
        Dataset = new DatasetConfig(),
        DatasetSha256 = new string('0', 64),
        FeatureNames = ["ret_1", "ret_5"],
        Counts = new DatasetCounts { Train = 70, Valid = 15, Test = 15 },
        Xgboost = new XgboostParams(),
        Runtime = new RuntimeLimits { MaxRuntimeMinutes = 1 },
        Device = "cpu",
        ConfigHash = new string('0', 64),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A trainer killed a moment ago may still be closing files; the OS temp cleaner gets the rest.
        }
    }

}
