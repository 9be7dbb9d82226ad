using System.Text.Json.Nodes;

namespace QuantLab.Ml.Vast;

/// <summary>Destroying an instance so that it really stops billing: retried, then read back until Vast agrees.</summary>
public sealed partial class VastClient
{
    /// <summary>Read-backs that may still show a destroyed instance (Vast is eventually consistent) before the DELETE is sent again.</summary>
    internal const int ReadBacksPerDestroy = 4;

    /// <summary>
    /// Destroys <paramref name="instanceId"/> and verifies it, until <paramref name="budget"/> ends: every failure but a
    /// rejected key (5xx, timeouts, connection errors, a 4xx) is retried with backoff; a DELETE that says success is
    /// followed by read-backs until Vast no longer lists the instance or lists it as destroyed; a row still listed after
    /// <see cref="ReadBacksPerDestroy"/> read-backs gets another DELETE (a success that destroyed nothing). Never throws
    /// for Vast's failures or the budget's end: the result says whether the destroy is verified and, if not, why.
    /// </summary>
    public async Task<VastDestroyResult> DestroyAndVerifyAsync(long instanceId, CancellationToken budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        var deletes = 0;
        var destroyedNow = false;
        string? last = null;
        var pause = Options.Backoff.BaseDelay;
        try
        {
            while (true)
            {
                deletes++;
                try
                {
                    destroyedNow |= await DestroyInstanceAsync(instanceId, budget).ConfigureAwait(false);
                    for (var readBack = 1; readBack <= ReadBacksPerDestroy; readBack++)
                    {
                        var still = await ReadBackAsync(instanceId, budget).ConfigureAwait(false);
                        if (still is null)
                        {
                            return new VastDestroyResult { InstanceId = instanceId, Verified = true, WasAlreadyGone = !destroyedNow, Deletes = deletes };
                        }

                        last = $"Vast still lists it as {still} after the destroy";
                        log.Warning("Vast instance {InstanceId} still listed ({Status}) after destroy {Delete}, read-back {ReadBack}", instanceId, still, deletes, readBack);
                        await Task.Delay(Options.PollInterval, time, budget).ConfigureAwait(false);
                    }
                }
                catch (VastAuthException ex)
                {
                    // No retry can help a rejected key: say so at once instead of spending the budget.
                    return new VastDestroyResult { InstanceId = instanceId, Verified = false, Deletes = deletes, Error = ex.Message };
                }
                catch (VastApiException ex)
                {
                    last = ex.Message;
                    log.Warning("Destroy of Vast instance {InstanceId} failed (attempt {Attempt}), retrying: {Reason}", instanceId, deletes, ex.Message);
                    await Task.Delay(pause, time, budget).ConfigureAwait(false);
                    pause = pause * 2 < Options.Backoff.MaxDelay ? pause * 2 : Options.Backoff.MaxDelay;
                }
            }
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            var why = last ?? "no answer from Vast";
            log.Error("Destroy of Vast instance {InstanceId} not verified within its budget after {Deletes} DELETEs: {Reason}", instanceId, deletes, why);
            return new VastDestroyResult { InstanceId = instanceId, Verified = false, Deletes = deletes, Error = $"not verified within the destroy budget after {deletes} DELETE(s): {why}" };
        }
    }

    /// <summary>
    /// The instance's status when Vast still lists it alive, or null when it is gone: 404 no_such_instance, an
    /// <c>instances</c> that is null, <c>{}</c> or not an object (the real API answers all of these after a destroy), or a
    /// row whose status is destroyed. Anything else that is not an answer (5xx, a non-JSON body) throws, so it is retried.
    /// </summary>
    private async Task<string?> ReadBackAsync(long instanceId, CancellationToken ct)
    {
        var call = new VastCall(VastEndpoint.GetInstance, HttpMethod.Get, $"api/v0/instances/{instanceId}/", Query: "owner=me");
        var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (r.StatusCode == 404 && VastResponses.IsNoSuchInstance(r) && !VastResponses.IsAuthFailure(r))
        {
            return null;
        }

        if (r.StatusCode != 200)
        {
            throw responses.Failure(call, r);
        }

        var root = responses.ParseObject(call, r);
        if (root["instances"] is not JsonObject row || row.Count == 0)
        {
            return null;
        }

        var status = row["actual_status"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var intended = row["intended_status"] is JsonValue iv && iv.TryGetValue<string>(out var i) ? i : null;
        return status == "destroyed" || intended == "destroyed" ? null : VastStatus.Display(status);
    }
}

/// <summary>How a destroy ended: verified gone (now or before), or not, with the last reason.</summary>
public sealed record VastDestroyResult
{
    public required long InstanceId { get; init; }

    /// <summary>Vast no longer lists the instance (or lists it destroyed): it no longer bills.</summary>
    public required bool Verified { get; init; }

    /// <summary>Vast said no_such_instance to the first DELETE: somebody else (the watchdog, a reaper) destroyed it.</summary>
    public bool WasAlreadyGone { get; init; }

    public required int Deletes { get; init; }

    /// <summary>Why the destroy is not verified; null when it is.</summary>
    public string? Error { get; init; }
}
