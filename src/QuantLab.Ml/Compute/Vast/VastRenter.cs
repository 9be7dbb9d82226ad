using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;
using Serilog;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>
/// One rental on Vast: rent a usable instance (another offer when one never becomes usable, within the provisioning
/// budget), wait until it runs, attach the SSH keys, run the work over SSH, and destroy it with verification whatever
/// happened. Each instance it creates is a <see cref="VastRentalAttempt"/>, recorded before it is created.
/// </summary>
internal sealed class VastRenter(
    VastClient client,
    OfferQuery query,
    VastProviderOptions options,
    string remoteRoot,
    InstanceRecords records,
    string runId,
    TimeProvider time,
    ILogger log)
{
    public VastClient Client => client;
    public OfferQuery Query => query;
    public VastProviderOptions Options => options;

    /// <summary>The runner's remote root, where the on-box watchdog looks for the jobs' heartbeats.</summary>
    public string RemoteRoot => remoteRoot;
    public InstanceRecords Records => records;
    public string RunId => runId;
    public TimeProvider Time => time;
    public ILogger Log => log;

    /// <summary>The run's time model (see <see cref="VastComputeProvider.Budget"/>).</summary>
    public TimeBudget? Budget { get; set; }

    /// <summary>
    /// Rents one usable instance for <paramref name="subject"/> (trying other offers within the provisioning budget), runs
    /// <paramref name="work"/> on it over SSH and destroys it in every case, on a budget of its own.
    /// </summary>
    /// <remarks>
    /// A destroy that cannot be verified after <paramref name="work"/> succeeded loses nothing: the work has reported its
    /// jobs' outputs already (they are evaluated and stored), and <see cref="MachineLeakedException"/> then fails the
    /// batch for the billing risk. On cancellation (SIGTERM) the destroy starts at once, beside whatever the
    /// work does to stop the remote trainer, never after it.
    /// </remarks>
    public async Task RentAsync(RentalSubject subject, Func<RemoteTarget, VastRentalAttempt, CancellationToken, Task> work, CancellationToken ct)
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
            var rental = new VastRentalAttempt(this, subject, label, $"{runId}-{subject.Id}-{attempt}");
            await rental.RecordAsync(InstanceStatus.Creating, null, ct).ConfigureAwait(false);

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

                await rental.RecordAsync(InstanceStatus.Running, null, ct).ConfigureAwait(false);
                var target = new RemoteTarget
                {
                    Endpoint = endpoint,
                    Key = key.Private,
                    HostKeys = HostKeyPolicy.PinFirstSeen(),
                    MachineName = $"vast {rental.InstanceId} {rental.Offer?.GpuName}",
                };
                await work(target, rental, ct).ConfigureAwait(false);
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

            if (await rental.DestroyAndSettleAsync().ConfigureAwait(false) is { } leak)
            {
                if (ct.IsCancellationRequested)
                {
                    throw new RunInterruptedException(leak, null);
                }

                // The outputs are down and reported already, so nothing trained is lost: the leak fails the batch afterwards.
                throw new MachineLeakedException(leak);
            }

            return;
        }

        throw new VastProvisioningException(
            $"no usable Vast instance within {options.ProvisioningBudget.TotalMinutes:F0} min after {failures.Count} tries ({string.Join(", ", unusable)}): {string.Join("; ", failures)}");
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>What Vast says about an instance whose SSH went away, for the lost jobs' error; never throws.</summary>
    public async Task<string> DescribeLostAsync(long? instanceId)
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
}

/// <summary>What an instance is rented for: one job, or a batch of jobs under its own id.</summary>
internal sealed record RentalSubject(string Id, IReadOnlyList<string> JobIds, TimeSpan HardLimit);
