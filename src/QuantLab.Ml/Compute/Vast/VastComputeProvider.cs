using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;
using Serilog;

namespace QuantLab.Ml.Compute.Vast;

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
    ILogger log) : IBatchComputeProvider, IRentalPlanner
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

    /// <summary>
    /// The run's time model: the longest a job may live (on-box watchdog, record deadline) and the store-write bound
    /// of teardown. Null = the job's own runtime limit and a 15 s write bound (tests that build the provider by hand).
    /// </summary>
    public Pipeline.TimeBudget? Budget { get; init; }

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

    /// <summary>Batches run on as many instances at once as the night's plan asks for; the account's limits are the real cap.</summary>
    public int MaxMachines => int.MaxValue;

    public async Task<MachinePrice> PriceAsync(CancellationToken ct)
    {
        var setup = options.ExpectedBoot;
        IReadOnlyList<VastOffer> offers;
        try
        {
            offers = await client.SearchOffersAsync(query, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            return new MachinePrice { DollarsPerHour = 0, Setup = setup, Note = $"offers were not searched ({ex.Message}): costs below are 0", NoMachine = true };
        }

        if (offers.Count == 0)
        {
            return new MachinePrice { DollarsPerHour = 0, Setup = setup, Note = $"no offer matches {query.Describe()}: costs below are 0", NoMachine = true };
        }

        var offer = offers[0];
        var dph = offer.PricePerHour(query.DiskGb) ?? 0;
        return new MachinePrice
        {
            DollarsPerHour = dph,
            Setup = setup,

            // The instance downloads our datasets: that is its inbound traffic, priced as inet_down_cost.
            UploadUsdPerGb = offer.InetDownCost ?? 0,
            Note = string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"offer {offer.Id}: {offer.GpuName} at {dph:F3} $/h, {offers.Count} offers match; set-up {setup.TotalMinutes:F0} min per instance")
                + (client.HasApiKey ? string.Empty : "; no Vast API key: a real run would stop here"),
        };
    }

    public async Task<TrainingResult> RunAsync(TrainingJob job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = job.Spec;
        return await RentAsync(
            new RentalSubject(spec.JobId, [spec.JobId], Budget?.LongestJobLife ?? spec.Runtime.Hard),
            async (target, rental, token) =>
            {
                var result = await runner.RunAsync(target, job, token).ConfigureAwait(false);
                rental.UploadedBytes = result.Upload.Bytes;
                rental.DownloadedBytes = result.Download.Bytes;
                if (DeviceProblem(spec, result.OutputDir) is { } problem)
                {
                    rental.Error = problem;
                    throw new TrainerFailedException(problem);
                }

                rental.Succeeded = true;
                return result.AsTrainingResult();
            },
            (result, leak) => result with { TeardownError = leak },
            ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One instance for the whole batch: rented, labelled and recorded like a single job's, the jobs trained one after
    /// another over one connection, destroyed as soon as the last job's outputs are down. When no instance can be had,
    /// every job fails with the reason; a lost instance makes its unfinished jobs Lost (the pipeline may re-queue them).
    /// </summary>
    public async Task<IReadOnlyList<JobOutcome>> RunBatchAsync(BatchRequest batch, Func<JobOutcome, Task> onOutcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(onOutcome);
        var reported = new List<JobOutcome>();
        async Task Report(JobOutcome outcome)
        {
            lock (reported)
            {
                reported.Add(outcome);
            }

            await onOutcome(outcome).ConfigureAwait(false);
        }

        try
        {
            await RentAsync(
                new RentalSubject(batch.BatchId, batch.Jobs.Select(j => j.Spec.JobId).ToList(), batch.HardLimit),
                async (target, rental, token) =>
                {
                    string? vastSays = null;
                    var outcomes = await runner.RunBatchAsync(
                        target,
                        batch.Jobs,
                        async outcome =>
                        {
                            if (outcome is { Status: JobOutcomeStatus.Trained, Result: { } trained } && DeviceProblem(outcome.Job.Spec, trained.OutputDir) is { } problem)
                            {
                                log.Error("{Problem}", problem);
                                outcome = JobOutcome.Failed(outcome.Job, problem);
                            }

                            if (outcome.Status == JobOutcomeStatus.Lost)
                            {
                                vastSays ??= await DescribeLostAsync(rental.InstanceId).ConfigureAwait(false);
                                outcome = outcome with { Error = outcome.Error + vastSays };
                            }

                            await Report(outcome).ConfigureAwait(false);
                        },
                        token).ConfigureAwait(false);
                    rental.Succeeded = outcomes.All(o => o.Status != JobOutcomeStatus.Lost);
                    if (!rental.Succeeded)
                    {
                        rental.Error = "instance lost: " + outcomes.First(o => o.Status == JobOutcomeStatus.Lost).Error;
                    }

                    return true;
                },
                // The jobs' outcomes are reported (and their outputs evaluated) already: the leak fails the batch afterwards.
                (_, leak) => throw new MachineLeakedException(leak),
                ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException and not MachineLeakedException && !ct.IsCancellationRequested)
        {
            // No instance could be rented (or it failed before the first job): every job not yet reported fails with why.
            foreach (var job in batch.Jobs.Where(j => !reported.Any(o => o.Job == j)))
            {
                await Report(JobOutcome.Failed(job, ex.Message)).ConfigureAwait(false);
            }
        }

        return reported;
    }

    /// <summary>What Vast says about an instance whose SSH went away, for the lost jobs' error; never throws.</summary>
    private async Task<string> DescribeLostAsync(long? instanceId)
    {
        if (instanceId is not { } id)
        {
            return string.Empty;
        }

        try
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
            var instance = await client.GetInstanceAsync(id, budget.Token).ConfigureAwait(false);
            return instance is null ? $" (Vast no longer lists instance {id})" : $" (Vast reports instance {id} as {instance.ActualStatus ?? "unknown"})";
        }
        catch (Exception ex) when (ex is QuantLabException or OperationCanceledException or HttpRequestException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// Rents one usable instance for <paramref name="subject"/> (trying other offers within the provisioning budget), runs
    /// <paramref name="work"/> on it over SSH and destroys it in every case, on a budget of its own.
    /// </summary>
    /// <remarks>
    /// A destroy that cannot be verified after <paramref name="work"/> succeeded loses nothing: the result is returned
    /// through <paramref name="keepWithLeak"/> with the reason, so its outputs are still evaluated and stored, and the run
    /// fails afterwards for the billing risk. On cancellation (SIGTERM) the destroy starts at once, beside whatever the
    /// work does to stop the remote trainer, never after it.
    /// </remarks>
    private async Task<T> RentAsync<T>(
        RentalSubject subject, Func<RemoteTarget, Rental, CancellationToken, Task<T>> work, Func<T, string, T> keepWithLeak, CancellationToken ct)
    {
        if (!client.HasApiKey)
        {
            throw new UsageException("vast provider: no Vast API key (set VAST_API_KEY or Vast:ApiKeyFile); nothing was rented");
        }

        var label = client.Options.LabelPrefix + subject.Id;
        var provisioningDeadline = time.GetUtcNow() + options.ProvisioningBudget;
        var excludedMachines = new HashSet<long>();
        using var key = await EphemeralSshKey.CreateAsync(subject.Id, ct).ConfigureAwait(false);
        var failures = new List<string>();

        // "9000 loading": each instance that never became usable and the state it was left in, for the final error.
        var unusable = new List<string>();
        for (var attempt = 1; attempt <= options.MaxInstanceAttempts; attempt++)
        {
            if (time.GetUtcNow() >= provisioningDeadline)
            {
                break;
            }

            // The run id is part of the record's id: a second run of the same job never overwrites the first run's records.
            var rental = new Rental(this, subject, label, $"{runId}-{subject.Id}-{attempt}");
            await rental.RecordAsync("creating", null, ct).ConfigureAwait(false);
            T result;
            string? leak = null;

            // SIGTERM: the destroy starts now (off the signal's thread), while the work stops the remote trainer beside it.
            using var destroyOnCancel = ct.Register(rental.DestroyNowIfRented);
            try
            {
                try
                {
                    await rental.ProvisionAsync(excludedMachines, ct).ConfigureAwait(false);
                }
                catch (VastProvisioningException ex) when (unusable.Count > 0)
                {
                    // What the operator needs is why the machines rented so far were no good, not only that the offers ran out.
                    throw new VastProvisioningException($"no usable Vast instance: {string.Join(", ", unusable)}; no further offer ({ex.Message})", ex);
                }

                SshEndpoint endpoint;
                try
                {
                    var runningBy = Min(time.GetUtcNow() + options.RunningDeadline, provisioningDeadline);
                    var vastEndpoint = await client.WaitUntilRunningAsync(rental.InstanceId!.Value, runningBy, ct).ConfigureAwait(false);

                    // Keys go on once the machine runs, as the real clients do: Vast may refuse them while it loads.
                    await AttachKeysAsync(rental.InstanceId.Value, key.PublicKey, ct).ConfigureAwait(false);
                    endpoint = SshEndpoint.Create(vastEndpoint.Host, vastEndpoint.Port, options.SshUser);
                }
                catch (Exception ex) when (ex is VastInstanceFailedException or VastApiException && !ct.IsCancellationRequested)
                {
                    // This machine is no good tonight: destroy it (in finally), skip its machine, try another offer.
                    failures.Add($"instance {rental.InstanceId} on machine {rental.MachineId}: {ex.Message}");
                    unusable.Add(string.Create(CultureInfo.InvariantCulture, $"{rental.InstanceId} {(ex is VastInstanceFailedException f ? VastStatus.Display(f.LastStatus) : "unreachable")}"));
                    rental.Error = ex.Message;
                    if (rental.MachineId is { } machine)
                    {
                        excludedMachines.Add(machine);
                    }

                    log.Warning("Vast instance {InstanceId} did not become usable, destroying it and trying another offer: {Reason}", rental.InstanceId, ex.Message);
                    if (await rental.DestroyAndSettleAsync().ConfigureAwait(false) is { } unusableLeak)
                    {
                        // Renting more while one bills unseen would only add to the bill: stop here, loudly.
                        throw new MachineLeakedException(unusableLeak);
                    }

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
                result = await work(target, rental, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not MachineLeakedException)
            {
                rental.Error ??= ex is OperationCanceledException ? "cancelled" : ex.Message;

                // Never with the run's token: a cancelled run must still destroy what it rented.
                var failed = await rental.DestroyAndSettleAsync().ConfigureAwait(false);
                if (failed is null)
                {
                    throw;
                }

                if (ex is OperationCanceledException && ct.IsCancellationRequested)
                {
                    throw new RunInterruptedException(failed, ex);
                }

                throw new MachineLeakedException($"{ex.Message}; and {failed}", ex);
            }

            leak = await rental.DestroyAndSettleAsync().ConfigureAwait(false);
            if (leak is not null)
            {
                if (ct.IsCancellationRequested)
                {
                    throw new RunInterruptedException(leak, null);
                }

                // The outputs are down already: hand them on with the leak, so nothing trained is lost.
                return keepWithLeak(result, leak);
            }

            return result;
        }

        throw new VastProvisioningException(
            $"no usable Vast instance within {options.ProvisioningBudget.TotalMinutes:F0} min after {failures.Count} tries ({string.Join(", ", unusable)}): {string.Join("; ", failures)}");
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>
    /// Attaches the job's throw-away key and every operator key (Vast:OperatorPublicKeys) to a running instance, each
    /// retried a few times when Vast refuses (it has been seen to refuse keys while an instance still settles).
    /// </summary>
    private async Task AttachKeysAsync(long instanceId, string jobKey, CancellationToken ct)
    {
        foreach (var publicKey in client.Options.OperatorPublicKeys.Prepend(jobKey))
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await client.AttachSshKeyAsync(instanceId, publicKey, ct).ConfigureAwait(false);
                    break;
                }
                catch (VastApiException ex) when (ex is not VastAuthException && attempt < options.KeyAttachAttempts && !ct.IsCancellationRequested)
                {
                    log.Warning("Vast refused an SSH key for instance {InstanceId} (attempt {Attempt}), trying again: {Reason}", instanceId, attempt, ex.Message);
                    await Task.Delay(options.KeyAttachRetryDelay, time, ct).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// A job that asked for cuda must have trained on cuda (runtime.json's device_used): a rented GPU night that trained on
    /// the CPU is a failure, with the trainer's reason (driver, wheel, no GPU). Null when all is well.
    /// </summary>
    internal static string? DeviceProblem(JobSpec spec, string outputDir)
    {
        if (spec.Device != "cuda")
        {
            return null;
        }

        var path = Path.Combine(outputDir, spec.Outputs.Runtime);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
            var used = Text("device_used");
            return used == "cuda"
                ? null
                : $"job {spec.JobId} asked for cuda but trained on {used ?? "an unknown device"}: {Text("device_reason") ?? "runtime.json gives no reason"}";
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return $"job {spec.JobId} asked for cuda but its runtime.json cannot be read to show it trained there ({ex.Message})";
        }
    }

    /// <summary>What an instance is rented for: one job, or a batch of jobs under its own id.</summary>
    private sealed record RentalSubject(string Id, IReadOnlyList<string> JobIds, TimeSpan HardLimit);

    private sealed class Rental(VastComputeProvider owner, RentalSubject subject, string label, string attemptId)
    {
        private readonly DateTimeOffset createdAt = owner.time.GetUtcNow();
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
                        Onstart = VastWatchdog.OnstartScript(subject.HardLimit, owner.client.Options.BaseUrl, owner.runner.Options.Root),
                        Env = new Dictionary<string, string> { ["QUANTLAB_JOB_ID"] = subject.Id },
                    },
                    ExcludedMachineIds = excludedMachines,
                },
                ct).ConfigureAwait(false);
            InstanceId = provisioned.InstanceId;
            Offer = provisioned.Offer;
            billedFrom = owner.time.GetUtcNow();
            owner.log.Information(
                "Rented Vast instance {InstanceId} ({Gpu}, {DollarsPerHour:F3} $/h, machine {MachineId}) for {JobId} as {Label}",
                InstanceId, Offer.GpuName, Offer.DphTotal, Offer.MachineId, subject.Id, label);
            await RecordAsync("created", null, ct).ConfigureAwait(false);
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
            string status;
            string? leak = null;
            DateTimeOffset? destroyedAt = null;
            if (InstanceId is { } id)
            {
                using var budget = new CancellationTokenSource(owner.options.DestroyBudget, owner.time);
                var outcome = await owner.client.DestroyAndVerifyAsync(id, budget.Token).ConfigureAwait(false);
                if (outcome.Verified)
                {
                    owner.log.Information("Destroyed Vast instance {InstanceId} (verified: Vast no longer lists it)", id);
                    destroyedAt = owner.time.GetUtcNow();

                    // An interrupted run's machine is as gone as a finished one's; "failed" is for a job that failed.
                    status = Succeeded || Error == "cancelled" ? "destroyed" : "failed";
                }
                else
                {
                    // Loud, recorded and left for reap-orphans: never swallowed.
                    leak = MachineLeakedException.Describe(id, outcome.Error);
                    owner.log.Error("Could not destroy Vast instance {InstanceId}: {Reason}; run `quantlab-ml reap-orphans`", id, outcome.Error);
                    Error = (Error is null ? string.Empty : Error + "; ") + "destroy failed: " + outcome.Error;
                    status = "destroy_failed";
                }
            }
            else
            {
                status = "failed";
            }

            var now = owner.time.GetUtcNow();
            if (InstanceId is not null && Offer is not null)
            {
                // Until now when the destroy is not verified: the bill may go on, but this much is certain.
                Cost = RentalCost.Of(Offer, billedFrom ?? createdAt, now, UploadedBytes, DownloadedBytes);
            }

            using var write = new CancellationTokenSource(owner.Budget?.StoreWriteBudget ?? TimeSpan.FromSeconds(15), owner.time);
            try
            {
                await RecordAsync(status, destroyedAt, write.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The destroy's outcome stands; a record that cannot be written is reported, and reap-orphans still finds
                // the instance by its label if it bills.
                owner.log.Error("Could not write instance record {AttemptId} ({Status}): {Reason}", attemptId, status, ex.Message);
            }

            return leak;
        }

        public Task RecordAsync(string status, DateTimeOffset? destroyedAt, CancellationToken ct) =>
            owner.records.WriteAsync(
                new InstanceRecord
                {
                    AttemptId = attemptId,
                    Label = label,
                    JobId = subject.Id,
                    JobIds = subject.JobIds.Count == 1 && subject.JobIds[0] == subject.Id ? null : subject.JobIds,
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
                    DeadlineAt = createdAt + subject.HardLimit,
                    DestroyedAt = destroyedAt,
                    CostUsd = Cost?.TotalUsd,
                    Error = Error,
                },
                ct);
    }
}
