using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Vast;

/// <summary>
/// Rents one instance: searches, then tries to create on the offers in order, handling every create outcome so that
/// nothing is left billing: next offer when one is gone, destroy a failed create's leftover at once, reconcile by label
/// (adopt or destroy) when the outcome is unknown, and destroy anything with our label when cancelled mid-create.
/// It knows nothing of SSH; waiting and probing are the caller's.
/// </summary>
public sealed class VastInstanceProvisioner
{
    private readonly VastClient client;
    private readonly TimeProvider time;
    private readonly ILogger log;

    public VastInstanceProvisioner(VastClient client, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        this.client = client;
        this.time = time;
        this.log = log.ForContext<VastInstanceProvisioner>();
    }

    private VastOptions Options => client.Options;

    /// <summary>
    /// Returns the rented (or, after an unknown create outcome, adopted) instance; it bills until the caller destroys it.
    /// Throws <see cref="VastProvisioningException"/> when nothing could be rented, having destroyed what it created.
    /// </summary>
    public async Task<ProvisionedInstance> ProvisionAsync(ProvisionRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var label = Validate(request);
        var offers = await client.SearchOffersAsync(request.Query, ct).ConfigureAwait(false);
        var candidates = offers
            .Where(o => o.MachineId is null || !request.ExcludedMachineIds.Contains(o.MachineId.Value))
            .Take(Options.MaxOffersToTry)
            .ToList();
        if (candidates.Count == 0)
        {
            throw new VastProvisioningException(
                $"no Vast offer matches {request.Query.Describe()} ({offers.Count} usable, {offers.Count - candidates.Count} on excluded machines)");
        }

        var tried = new List<string>();
        var createStarted = false;
        var sawAmbiguous = false;
        try
        {
            foreach (var offer in candidates)
            {
                var rateLimited = 0;
                while (true)
                {
                    createStarted = true;
                    var result = await client.CreateInstanceAsync(offer.Id, request.Instance, ct).ConfigureAwait(false);
                    if (result is CreateInstanceResult.Created created)
                    {
                        if (sawAmbiguous)
                        {
                            await DestroyOthersWithLabelAsync(label, created.InstanceId, ct).ConfigureAwait(false);
                        }

                        return new ProvisionedInstance { InstanceId = created.InstanceId, Offer = offer, Label = label, OffersTried = tried.Count + 1 };
                    }

                    if (result is CreateInstanceResult.Rejected rejected)
                    {
                        throw new VastProvisioningException($"Vast refused to rent offer {offer.Id}: {rejected.Message}");
                    }

                    if (result is CreateInstanceResult.FailedWithContract failed)
                    {
                        await DestroyLeftoverAsync(failed.InstanceId, label, ct).ConfigureAwait(false);
                        tried.Add($"offer {offer.Id}: failed and its instance {failed.InstanceId} was destroyed ({failed.Message})");
                        break;
                    }

                    if (result is CreateInstanceResult.OfferUnavailable gone)
                    {
                        tried.Add($"offer {offer.Id}: gone ({gone.Message})");
                        break;
                    }

                    if (result is CreateInstanceResult.RateLimited limited)
                    {
                        // A 429 comes from the limiter before the create runs, but we still look before trying again.
                        if (++rateLimited > Options.Backoff.MaxRetries)
                        {
                            throw new VastProvisioningException($"Vast create stayed rate limited after {rateLimited - 1} waits: {limited.Message}");
                        }

                        await Task.Delay(Backoff(rateLimited), time, ct).ConfigureAwait(false);
                        if (await AdoptOrDestroyAsync(label, offer, candidates, ct).ConfigureAwait(false) is { } found)
                        {
                            return found with { OffersTried = tried.Count + 1 };
                        }

                        continue;
                    }

                    // Ambiguous: the create may have happened. Never repeat it blindly; look for our label instead.
                    sawAmbiguous = true;
                    await Task.Delay(Options.ReconcileDelay, time, ct).ConfigureAwait(false);
                    if (await AdoptOrDestroyAsync(label, offer, candidates, ct).ConfigureAwait(false) is { } adopted)
                    {
                        return adopted with { OffersTried = tried.Count + 1 };
                    }

                    tried.Add($"offer {offer.Id}: unknown outcome, nothing found by label ({result.Message})");
                    break;
                }
            }

            throw new VastProvisioningException($"none of {candidates.Count} Vast offers for {request.Query.Describe()} could be rented: {string.Join("; ", tried)}");
        }
        catch (Exception ex) when ((createStarted && ex is OperationCanceledException) || (sawAmbiguous && ex is not OperationCanceledException))
        {
            // A create may be in flight or lost: whatever carries our label must not outlive this call.
            var cleanupError = await DestroyAllWithLabelAsync(label).ConfigureAwait(false);
            if (cleanupError is null || ex is OperationCanceledException)
            {
                throw;
            }

            throw new VastProvisioningException($"{ex.Message}; and instances labelled {label} may still be billing: {cleanupError}", ex);
        }
    }

    private string Validate(ProvisionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.Query);
        ArgumentNullException.ThrowIfNull(request.Instance);
        request.Query.Validate();
        request.Instance.Validate(Options.LabelPrefix);
        if (request.Query.Type == OfferType.Bid && request.Instance.BidPricePerHour is null)
        {
            throw new UsageException("vast: a bid search needs a bid price, or Vast silently rents on-demand at full price");
        }

        if (Math.Abs(request.Query.DiskGb - request.Instance.DiskGb) > 1e-9)
        {
            throw new UsageException("vast: the instance disk must equal the searched disk (allocated_storage), or the offer prices are for another disk");
        }

        return request.Instance.Label;
    }

    private TimeSpan Backoff(int attempt)
    {
        var seconds = Options.Backoff.BaseDelay.TotalSeconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromSeconds(Math.Min(seconds, Options.Backoff.MaxDelay.TotalSeconds));
    }

    /// <summary>Looks for instances with our label: keeps the first one that can still start, destroys the rest.</summary>
    private async Task<ProvisionedInstance?> AdoptOrDestroyAsync(string label, VastOffer offer, IReadOnlyList<VastOffer> candidates, CancellationToken ct)
    {
        var found = await client.ListInstancesWithLabelAsync(label, ct).ConfigureAwait(false);
        if (found.Count == 0)
        {
            log.Information("No Vast instance carries label {Label}; the create did not happen", label);
            return null;
        }

        var keep = found.Where(i => !VastStatus.IsDead(i)).OrderBy(i => i.Id).FirstOrDefault();
        foreach (var other in found.Where(i => i != keep))
        {
            await DestroyLeftoverAsync(other.Id, label, ct).ConfigureAwait(false);
        }

        if (keep is null)
        {
            return null;
        }

        var source = candidates.FirstOrDefault(o => o.MachineId is not null && o.MachineId == keep.MachineId) ?? offer;
        log.Warning("Adopting Vast instance {InstanceId} found by label {Label} after a create with an unknown outcome", keep.Id, label);
        return new ProvisionedInstance { InstanceId = keep.Id, Offer = source, Label = label, Adopted = true };
    }

    private async Task DestroyOthersWithLabelAsync(string label, long keepId, CancellationToken ct)
    {
        var found = await client.ListInstancesWithLabelAsync(label, ct).ConfigureAwait(false);
        foreach (var other in found.Where(i => i.Id != keepId))
        {
            log.Warning("Vast instance {InstanceId} duplicates {KeptInstanceId} under label {Label}; destroying it", other.Id, keepId, label);
            await DestroyLeftoverAsync(other.Id, label, ct).ConfigureAwait(false);
        }
    }

    private async Task DestroyLeftoverAsync(long instanceId, string label, CancellationToken ct)
    {
        try
        {
            await client.DestroyInstanceAsync(instanceId, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new VastProvisioningException(
                $"Vast instance {instanceId} (label {label}) was left by a failed create and could not be destroyed: {ex.Message}; it bills until destroyed",
                ex);
        }
    }

    /// <summary>Destroys every instance with <paramref name="label"/> on its own time budget (the caller's token may be cancelled); returns the error, if any.</summary>
    private async Task<string?> DestroyAllWithLabelAsync(string label)
    {
        using var budget = new CancellationTokenSource(Options.CleanupBudget, time);
        try
        {
            var found = await client.ListInstancesWithLabelAsync(label, budget.Token).ConfigureAwait(false);
            foreach (var instance in found)
            {
                await client.DestroyInstanceAsync(instance.Id, budget.Token).ConfigureAwait(false);
            }

            log.Information("Cleaned up {Count} Vast instances labelled {Label}", found.Count, label);
            return null;
        }
        catch (Exception ex)
        {
            log.Error("Could not clean up Vast instances labelled {Label}; they may still be billing: {Reason}", label, ex.Message);
            return ex.Message;
        }
    }
}

/// <summary>What to rent: the offer search, the instance to create, and machines to avoid (e.g. one that just failed).</summary>
public sealed record ProvisionRequest
{
    public required OfferQuery Query { get; init; }
    public required CreateInstanceRequest Instance { get; init; }
    public IReadOnlySet<long> ExcludedMachineIds { get; init; } = new HashSet<long>();
}

/// <summary>A rented instance: it bills until destroyed.</summary>
public sealed record ProvisionedInstance
{
    public required long InstanceId { get; init; }
    public required VastOffer Offer { get; init; }
    public required string Label { get; init; }

    /// <summary>True when it was found by label after a create with an unknown outcome rather than returned by the create.</summary>
    public bool Adopted { get; init; }
    public int OffersTried { get; init; }
}
