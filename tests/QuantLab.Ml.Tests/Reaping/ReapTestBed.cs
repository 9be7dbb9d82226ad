using QuantLab.Ml.Common;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Tests.Vast;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Reaping;

/// <summary>
/// A fake Vast account plus a folder store holding run records and locks, with helpers to set up what runs leave behind:
/// our instances at given ages, records with live, dead or remote owners, and locks live or expired.
/// </summary>
internal sealed class ReapTestBed : IAsyncDisposable
{
    public const string Prefix = "quantlab-ml:";

    /// <summary>This test process: a live owner on this host.</summary>
    public static readonly Owner Alive = new(Environment.MachineName, Environment.ProcessId);

    /// <summary>A pid above Linux's pid_max on this host: an owner that is certainly gone.</summary>
    public static readonly Owner Dead = new(Environment.MachineName, int.MaxValue - 7);

    /// <summary>An owner on another host, whose process cannot be checked from here.</summary>
    public static readonly Owner Elsewhere = new("orchestrator-2.invalid", 4242);

    private readonly TempDir temp = new();
    private readonly FakeVastHarness? harness;
    private int attempts;

    private ReapTestBed(FakeVast fake, TimeProvider time, FakeVastHarness? harness)
    {
        Fake = fake;
        Time = time;
        this.harness = harness;
        Store = new FolderArtifactStore(temp.Path);
    }

    public FakeVast Fake { get; }
    public TimeProvider Time { get; }
    public FolderArtifactStore Store { get; }
    public string StoreRoot => temp.Path;
    public ListSink Sink => harness?.Sink ?? throw new InvalidOperationException("the CLI bed logs through the CLI");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>For the library: fake clock (driven while the reaper waits) and Vast's real pacing.</summary>
    public static async Task<ReapTestBed> StartAsync()
    {
        var h = await FakeVastHarness.StartAsync();
        return new ReapTestBed(h.Fake, h.Time, h);
    }

    /// <summary>For the command line, which runs on the system clock: the fake ages instances on it too.</summary>
    public static async Task<ReapTestBed> StartForCliAsync()
    {
        var fake = await FakeVast.StartAsync(new FakeVastOptions { ApiKey = VastTestKit.Key }, Ct);
        return new ReapTestBed(fake, TimeProvider.System, null);
    }

    public static TimeSpan Minutes(double m) => TimeSpan.FromMinutes(m);

    public static string JobId(string symbol = "btcusdt", string date = "20260313", string hex = "0123456789ab") => $"job-{symbol}-{date}-{hex}";

    public static ReapRequest Request(bool dryRun = false) => ReapRequest.For(QuantLab.Ml.Configuration.TimeBudget.Default, Prefix, dryRun);

    /// <summary>An instance labelled for <paramref name="jobId"/>, created <paramref name="age"/> ago.</summary>
    public long AddOurs(string jobId, TimeSpan age, string? status = "running", double dph = 0.4) =>
        Fake.AddInstance(Prefix + jobId, status, age.TotalHours, dph);

    /// <summary>The run record of one rental attempt, as the Vast provider writes it before and after the create.</summary>
    public async Task<InstanceRecord> RecordAsync(string jobId, string runId, string status, long? instanceId, Owner owner, TimeSpan age)
    {
        var record = NewRecord(jobId, runId, status, instanceId, owner, age);
        await new InstanceRecords(Store).WriteAsync(record, Ct);
        return record;
    }

    /// <summary>The record of a batch instance as the Vast provider writes it: labelled with the batch id, its jobs listed, its own deadline.</summary>
    public async Task<InstanceRecord> BatchRecordAsync(string batchId, IReadOnlyList<string> jobIds, string runId, long instanceId, Owner owner, TimeSpan age, TimeSpan deadlineIn)
    {
        var record = NewRecord(batchId, runId, "running", instanceId, owner, age) with { JobIds = jobIds, DeadlineAt = Time.GetUtcNow() + deadlineIn };
        await new InstanceRecords(Store).WriteAsync(record, Ct);
        return record;
    }

    private InstanceRecord NewRecord(string jobId, string runId, string status, long? instanceId, Owner owner, TimeSpan age)
    {
        var createdAt = Time.GetUtcNow() - age;
        return new InstanceRecord
        {
            AttemptId = $"{jobId}-{Interlocked.Increment(ref attempts)}",
            Label = Prefix + jobId,
            JobId = jobId,
            RunId = runId,
            OwnerHost = owner.Host,
            OwnerPid = owner.Pid,
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            Status = InstanceStatusNames.Parse(status),
            InstanceId = instanceId,
            DollarsPerHour = 0.4,
            DeadlineAt = createdAt + new RuntimeLimits().Hard,
        };
    }

    /// <summary>The job's lock (locks/&lt;symbol&gt;-&lt;date&gt;.json) taken <paramref name="age"/> ago for <paramref name="ttl"/>.</summary>
    public async Task LockAsync(string jobId, string runId, Owner owner, TimeSpan age, TimeSpan ttl)
    {
        var (symbol, date) = RemoteJobId.KeyOf(jobId) ?? throw new ArgumentException("not a job id", nameof(jobId));
        var acquired = Time.GetUtcNow() - age;
        var record = new LockRecord
        {
            Symbol = symbol,
            Date = date,
            RunId = runId,
            OwnerHost = owner.Host,
            OwnerPid = owner.Pid,
            AcquiredAt = acquired,
            ExpiresAt = acquired + ttl,
        };
        await Store.WriteTextAsync($"locks/{symbol}-{TradingDate.Compact(date)}.json", AllJson.Serialize(record), WriteCondition.None, Ct);
    }

    public Task<InstanceRecord?> RecordOfAsync(InstanceRecord record) => new InstanceRecords(Store).GetAsync(record.AttemptId, Ct);

    public Task<IReadOnlyList<ReapAuditRecord>> AuditAsync() => ReapAudit.ListAsync(Store, Ct);

    /// <summary>Runs the library reaper on the fake clock (pacing, backoff and confirm waits pass in fake time).</summary>
    public Task<ReapResult> ReapAsync(ReapRequest? request = null)
    {
        var h = harness ?? throw new InvalidOperationException("use the CLI for a CLI bed");
        var reaper = new OrphanReaper(h.Client, Store, h.Time, h.Sink.CreateLogger());
        return h.Time.DriveAsync(reaper.ReapAsync(request ?? Request(), Ct));
    }

    public IReadOnlyList<FakeVastCall> CallsTo(FakeVastRoute route) => Fake.Calls.Where(c => c.Route == route).ToList();

    /// <summary>
    /// A CLI with this bed's fake Vast, key and store, and no pacing (the system clock would make tests slow). From
    /// <paramref name="workingDirectory"/> without the store named, it is an operator's shell in the wrong folder.
    /// </summary>
    public CliRunner Cli(string? workingDirectory = null, bool nameTheStore = true)
    {
        var cli = new CliRunner(workingDirectory ?? temp.Path);
        cli.Environment["VAST_API_URL"] = Fake.BaseUrl;
        cli.Environment["VAST_API_KEY"] = VastTestKit.Key;
        if (nameTheStore)
        {
            cli.Environment["QUANTLAB_StoreRoot"] = temp.Path;
        }

        foreach (var endpoint in new[] { "ListInstances", "GetInstance", "DestroyInstance" })
        {
            cli.Environment[$"QUANTLAB_Vast__Pacing__{endpoint}"] = "00:00:00";
        }

        // A destroy that never verifies gives up after seconds, not the default two minutes of the system clock.
        cli.Environment["QUANTLAB_Rental__DestroyBudget"] = "00:00:05";
        cli.Environment["QUANTLAB_Vast__RequestTimeout"] = "00:00:02";
        cli.Environment["QUANTLAB_Vast__PollInterval"] = "00:00:00.500";

        return cli;
    }

    public async ValueTask DisposeAsync()
    {
        if (harness is not null)
        {
            await harness.DisposeAsync();
        }
        else
        {
            await Fake.DisposeAsync();
        }

        temp.Dispose();
    }
}

/// <summary>Host and pid of the process that rented an instance or holds a lock.</summary>
internal sealed record Owner(string Host, int Pid);
