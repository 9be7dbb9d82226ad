using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Vast;
using Serilog;

namespace QuantLab.Ml.Training.Providers;

/// <summary>
/// Runs a job on a rented Vast.ai GPU: offer → create (labelled, recorded first) → running → SSH → train → download →
/// destroy. Every instance it creates is destroyed before it returns or throws, whatever happened; what a killed process
/// leaves behind is found through its <see cref="InstanceRecord"/> by reap-orphans, and the on-box watchdog destroys the
/// instance itself when max runtime + margin has passed.
/// </summary>
public sealed class VastComputeProvider(
    VastClient client,
    OfferQuery query,
    VastProviderOptions options,
    RemoteJobRunner runner,
    InstanceRecords records,
    string runId,
    TimeProvider time,
    ILogger log) : IComputeProvider, IRentalPlanner
{
    // Fields rather than captured parameters: the nested Rental reaches them through its owner.
    private readonly VastClient client = client;
    private readonly OfferQuery query = query;
    private readonly VastProviderOptions options = options;
    private readonly RemoteJobRunner runner = runner;
    private readonly InstanceRecords records = records;
    private readonly string runId = runId;
    private readonly TimeProvider time = time;
    private readonly ILogger log = log;

    public string Name => "vast";

    public async Task<RentalEstimate> EstimateAsync(JobSpec spec, long datasetBytes, CancellationToken ct)
    {
        IReadOnlyList<VastOffer> offers;
        try
        {
            offers = await client.SearchOffersAsync(query, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            return new RentalEstimate { Note = $"offers were not searched: {ex.Message}" };
        }

        var offer = offers.Count > 0 ? offers[0] : null;
        if (offer is null)
        {
            return new RentalEstimate { Note = $"no offer matches {query.Describe()}" };
        }

        var minutes = (options.ExpectedBoot + options.ExpectedTraining).TotalMinutes;
        var cost = RentalCost.Estimate(offer, options.ExpectedBoot, options.ExpectedTraining, datasetBytes + (2 << 20), 8 << 20);
        return new RentalEstimate
        {
            OfferId = offer.Id,
            Gpu = offer.GpuName,
            DollarsPerHour = offer.DphTotal,
            Reliability = offer.EffectiveReliability,
            Location = offer.Geolocation,
            EstimatedMinutes = minutes,
            EstimatedCostUsd = cost.TotalUsd,
            Note = $"{offers.Count} offers match; estimate = {options.ExpectedBoot.TotalMinutes:F0} min boot + {options.ExpectedTraining.TotalMinutes:F0} min training at dph_total, plus transfer at the offer's $/GB"
                + (client.HasApiKey ? string.Empty : "; no Vast API key: a real run would stop here"),
        };
    }

    public async Task<TrainingResult> RunAsync(TrainingJob job, CancellationToken ct)
    {
        if (!client.HasApiKey)
        {
            throw new UsageException("vast provider: no Vast API key (set VAST_API_KEY or Vast:ApiKeyFile); nothing was rented");
        }

        var spec = job.Spec;
        var label = client.Options.LabelPrefix + spec.JobId;
        var provisioningDeadline = time.GetUtcNow() + options.ProvisioningBudget;
        var excludedMachines = new HashSet<long>();
        using var key = await EphemeralSshKey.CreateAsync(spec.JobId, ct).ConfigureAwait(false);
        var failures = new List<string>();
        for (var attempt = 1; attempt <= options.MaxInstanceAttempts; attempt++)
        {
            if (time.GetUtcNow() >= provisioningDeadline)
            {
                break;
            }

            var rental = new Rental(this, spec, label, $"{spec.JobId}-{attempt}");
            await rental.RecordAsync("creating", null, ct).ConfigureAwait(false);
            try
            {
                await rental.ProvisionAsync(excludedMachines, ct).ConfigureAwait(false);
                SshEndpoint endpoint;
                try
                {
                    await client.AttachSshKeyAsync(rental.InstanceId!.Value, key.PublicKey, ct).ConfigureAwait(false);
                    var runningBy = Min(time.GetUtcNow() + options.RunningDeadline, provisioningDeadline);
                    var vastEndpoint = await client.WaitUntilRunningAsync(rental.InstanceId.Value, runningBy, ct).ConfigureAwait(false);
                    endpoint = SshEndpoint.Create(vastEndpoint.Host, vastEndpoint.Port, options.SshUser);
                }
                catch (Exception ex) when (ex is VastInstanceFailedException or VastApiException && !ct.IsCancellationRequested)
                {
                    // This machine is no good tonight: destroy it (in finally), skip its machine, try another offer.
                    failures.Add($"instance {rental.InstanceId} on machine {rental.MachineId}: {ex.Message}");
                    rental.Error = ex.Message;
                    if (rental.MachineId is { } machine)
                    {
                        excludedMachines.Add(machine);
                    }

                    log.Warning("Vast instance {InstanceId} did not become usable, destroying it and trying another offer: {Reason}", rental.InstanceId, ex.Message);
                    continue;
                }

                await rental.RecordAsync("running", null, ct).ConfigureAwait(false);
                var target = new RemoteTarget
                {
                    Endpoint = endpoint,
                    Key = key.Private,
                    HostKeys = HostKeyPolicy.PinFirstSeen(),
                    MachineName = $"vast {rental.InstanceId} {rental.Offer?.GpuName}",
                };
                var result = await runner.RunAsync(target, job, ct).ConfigureAwait(false);
                rental.UploadedBytes = result.Upload.Bytes;
                rental.DownloadedBytes = result.Download.Bytes;
                rental.Succeeded = true;
                return new TrainingResult
                {
                    OutputDir = job.OutputDir,
                    WallTime = result.WallTime,
                    Machine = target.MachineName,
                };
            }
            catch (Exception ex) when (rental.Error is null)
            {
                rental.Error = ex is OperationCanceledException ? "cancelled" : ex.Message;
                throw;
            }
            finally
            {
                // Never with the run's token: a cancelled run must still destroy what it rented.
                await rental.DestroyAndSettleAsync().ConfigureAwait(false);
            }
        }

        throw new VastProvisioningException(
            $"no usable Vast instance within {options.ProvisioningBudget.TotalMinutes:F0} min after {failures.Count} tries: {string.Join("; ", failures)}");
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>One create attempt: its record, its instance, its teardown and its cost.</summary>
    private sealed class Rental(VastComputeProvider owner, JobSpec spec, string label, string attemptId)
    {
        private readonly DateTimeOffset createdAt = owner.time.GetUtcNow();
        private DateTimeOffset? billedFrom;

        public long? InstanceId { get; private set; }
        public long? MachineId => Offer?.MachineId;
        public VastOffer? Offer { get; private set; }
        public string? Error { get; set; }
        public bool Succeeded { get; set; }
        public long UploadedBytes { get; set; }
        public long DownloadedBytes { get; set; }
        public RentalCost? Cost { get; private set; }

        public async Task ProvisionAsync(IReadOnlySet<long> excludedMachines, CancellationToken ct)
        {
            var options = owner.options;
            var provisioned = await new VastInstanceProvisioner(owner.client, owner.time, owner.log).ProvisionAsync(
                new ProvisionRequest
                {
                    Query = owner.query,
                    Instance = new CreateInstanceRequest
                    {
                        Image = options.Image,
                        DiskGb = owner.query.DiskGb,
                        Label = label,
                        Onstart = VastWatchdog.OnstartScript(spec.Runtime.Hard, owner.client.Options.BaseUrl),
                        Env = new Dictionary<string, string> { ["QUANTLAB_JOB_ID"] = spec.JobId },
                    },
                    ExcludedMachineIds = excludedMachines,
                },
                ct).ConfigureAwait(false);
            InstanceId = provisioned.InstanceId;
            Offer = provisioned.Offer;
            billedFrom = owner.time.GetUtcNow();
            owner.log.Information(
                "Rented Vast instance {InstanceId} ({Gpu}, {DollarsPerHour:F3} $/h, machine {MachineId}) for {JobId} as {Label}",
                InstanceId, Offer.GpuName, Offer.DphTotal, Offer.MachineId, spec.JobId, label);
            await RecordAsync("created", null, ct).ConfigureAwait(false);
        }

        public async Task DestroyAndSettleAsync()
        {
            using var budget = new CancellationTokenSource(owner.options.DestroyBudget, owner.time);
            string status;
            if (InstanceId is { } id)
            {
                try
                {
                    await owner.client.DestroyInstanceAsync(id, budget.Token).ConfigureAwait(false);
                    var after = await owner.client.GetInstanceAsync(id, budget.Token).ConfigureAwait(false);
                    if (after is not null && after.ActualStatus is not ("destroyed" or null))
                    {
                        owner.log.Warning("Vast instance {InstanceId} still reports {Status} after destroy; reap-orphans will retry", id, after.ActualStatus);
                    }

                    owner.log.Information("Destroyed Vast instance {InstanceId}", id);
                    status = Succeeded ? "destroyed" : "failed";
                }
                catch (Exception ex)
                {
                    // Loud, recorded and left for reap-orphans: never swallowed.
                    owner.log.Error("Could not destroy Vast instance {InstanceId}: {Reason}; run `quantlab-ml reap-orphans`", id, ex.Message);
                    Error = (Error is null ? string.Empty : Error + "; ") + "destroy failed: " + ex.Message;
                    await RecordAsync("destroy_failed", null, CancellationToken.None).ConfigureAwait(false);
                    throw new VastInstanceLeakedException($"Vast instance {id} could not be destroyed ({ex.Message}); it is recorded for reap-orphans");
                }
            }
            else
            {
                status = "failed";
            }

            var now = owner.time.GetUtcNow();
            if (InstanceId is not null && Offer is not null)
            {
                Cost = RentalCost.Of(Offer, billedFrom ?? createdAt, now, UploadedBytes, DownloadedBytes);
            }

            await RecordAsync(status, now, CancellationToken.None).ConfigureAwait(false);
        }

        public Task RecordAsync(string status, DateTimeOffset? destroyedAt, CancellationToken ct) =>
            owner.records.WriteAsync(
                new InstanceRecord
                {
                    AttemptId = attemptId,
                    Label = label,
                    JobId = spec.JobId,
                    RunId = owner.runId,
                    OwnerHost = Environment.MachineName,
                    OwnerPid = Environment.ProcessId,
                    CreatedAt = createdAt,
                    UpdatedAt = owner.time.GetUtcNow(),
                    Status = status,
                    InstanceId = InstanceId,
                    OfferId = Offer?.Id,
                    Gpu = Offer?.GpuName,
                    DollarsPerHour = Offer?.DphTotal,
                    InetDownCostPerGb = Offer?.InetDownCost,
                    InetUpCostPerGb = Offer?.InetUpCost,
                    DeadlineAt = createdAt + spec.Runtime.Hard,
                    DestroyedAt = destroyedAt,
                    CostUsd = Cost?.TotalUsd,
                    Error = Error,
                },
                ct);
    }
}

/// <summary>A rented instance could not be destroyed: it is recorded for reap-orphans and the run fails loudly.</summary>
public sealed class VastInstanceLeakedException(string message) : QuantLabException(message);
