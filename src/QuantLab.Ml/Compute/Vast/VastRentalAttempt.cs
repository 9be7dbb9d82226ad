using QuantLab.Ml.Configuration;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>
/// One instance of a rental: created from an offer (labelled, recorded first), billed from then on, destroyed and
/// verified once however many callers ask, its <see cref="InstanceRecord"/> settled with what happened and what it cost.
/// </summary>
internal sealed class VastRentalAttempt(VastRenter owner, RentalSubject subject, string label, string attemptId)
{
    private readonly DateTimeOffset createdAt = owner.Time.GetUtcNow();
    private readonly Lock gate = new();
    private DateTimeOffset? billedFrom;
    private Task<string?>? settling;

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
        var options = owner.Options;
        var provisioned = await new VastInstanceProvisioner(owner.Client, owner.Time, owner.Log).ProvisionAsync(
            new ProvisionRequest
            {
                Query = owner.Query,
                Instance = new CreateInstanceRequest
                {
                    Image = options.Image,
                    DiskGb = owner.Query.DiskGb,
                    Label = label,
                    Onstart = VastWatchdog.OnstartScript(subject.HardLimit, owner.Client.Options.BaseUrl, owner.RemoteRoot),
                    Env = new Dictionary<string, string> { ["QUANTLAB_JOB_ID"] = subject.Id },
                },
                ExcludedMachineIds = excludedMachines,
            },
            ct).ConfigureAwait(false);
        InstanceId = provisioned.InstanceId;
        Offer = provisioned.Offer;
        billedFrom = owner.Time.GetUtcNow();
        owner.Log.Information(
            "Rented Vast instance {InstanceId} ({Gpu}, {DollarsPerHour:F3} $/h, machine {MachineId}) for {JobId} as {Label}",
            InstanceId, Offer.GpuName, Offer.DphTotal, Offer.MachineId, subject.Id, label);
        await RecordAsync(InstanceStatus.Created, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Destroys and verifies the instance (once, however many callers ask) on a budget of its own, then settles the
    /// record: destroyed/failed when Vast no longer lists it, destroy_failed when it may still bill. Returns null, or
    /// the one-line reason the instance may still be billing. Never throws.
    /// </summary>
    public Task<string?> DestroyAndSettleAsync()
    {
        lock (gate)
        {
            return settling ??= SettleOnceAsync();
        }
    }

    /// <summary>For the cancellation callback: start the destroy at once when there is an instance, off the signal's thread.</summary>
    public void DestroyNowIfRented()
    {
        lock (gate)
        {
            if (InstanceId is not null)
            {
                settling ??= Task.Run(SettleOnceAsync, CancellationToken.None);
            }
        }
    }

    private async Task<string?> SettleOnceAsync()
    {
        InstanceStatus status;
        string? leak = null;
        DateTimeOffset? destroyedAt = null;
        if (InstanceId is { } id)
        {
            using var budget = new CancellationTokenSource(owner.Options.DestroyBudget, owner.Time);
            var outcome = await owner.Client.DestroyAndVerifyAsync(id, budget.Token).ConfigureAwait(false);
            if (outcome.Verified)
            {
                owner.Log.Information("Destroyed Vast instance {InstanceId} (verified: Vast no longer lists it)", id);
                destroyedAt = owner.Time.GetUtcNow();

                // An interrupted run's machine is as gone as a finished one's; "failed" is for a job that failed.
                status = Succeeded || Error == "cancelled" ? InstanceStatus.Destroyed : InstanceStatus.Failed;
            }
            else
            {
                // Loud, recorded and left for reap-orphans: never swallowed.
                leak = MachineLeakedException.Describe(id, outcome.Error);
                owner.Log.Error("Could not destroy Vast instance {InstanceId}: {Reason}; run `quantlab-ml reap-orphans`", id, outcome.Error);
                Error = (Error is null ? string.Empty : Error + "; ") + "destroy failed: " + outcome.Error;
                status = InstanceStatus.DestroyFailed;
            }
        }
        else
        {
            status = InstanceStatus.Failed;
        }

        var now = owner.Time.GetUtcNow();
        if (InstanceId is not null && Offer is not null)
        {
            // Until now when the destroy is not verified: the bill may go on, but this much is certain.
            Cost = RentalCost.Of(Offer, billedFrom ?? createdAt, now, UploadedBytes, DownloadedBytes);
        }

        using var write = new CancellationTokenSource(owner.Budget?.StoreWriteBudget ?? TimeBudget.Default.StoreWriteBudget, owner.Time);
        try
        {
            await RecordAsync(status, destroyedAt, write.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The destroy's outcome stands; a record that cannot be written is reported, and reap-orphans still finds
            // the instance by its label if it bills.
            owner.Log.Error("Could not write instance record {AttemptId} ({Status}): {Reason}", attemptId, status.Wire(), ex.Message);
        }

        return leak;
    }

    public Task RecordAsync(InstanceStatus status, DateTimeOffset? destroyedAt, CancellationToken ct) =>
        owner.Records.WriteAsync(
            new InstanceRecord
            {
                AttemptId = attemptId,
                Label = label,
                JobId = subject.Id,
                JobIds = subject.JobIds.Count == 1 && subject.JobIds[0] == subject.Id ? null : subject.JobIds,
                RunId = owner.RunId,
                OwnerHost = Environment.MachineName,
                OwnerPid = Environment.ProcessId,
                CreatedAt = createdAt,
                UpdatedAt = owner.Time.GetUtcNow(),
                Status = status,
                InstanceId = InstanceId,
                OfferId = Offer?.Id,
                Gpu = Offer?.GpuName,
                DollarsPerHour = Offer?.DphTotal,
                InetDownCostPerGb = Offer?.InetDownCost,
                InetUpCostPerGb = Offer?.InetUpCost,
                DeadlineAt = createdAt + subject.HardLimit,
                DestroyedAt = destroyedAt,
                CostUsd = Cost?.TotalUsd,
                Error = Error,
            },
            ct);
}
