using System.Globalization;

namespace QuantLab.Ml.Vast;

/// <summary>Waiting for an instance to start.</summary>
public sealed partial class VastClient
{
    /// <summary>
    /// Polls <c>GET /api/v0/instances/{id}/</c> every <see cref="VastOptions.PollInterval"/> until the instance is running
    /// and has an SSH endpoint, and returns that endpoint. Throws <see cref="VastInstanceFailedException"/> at once when the
    /// instance is gone, exited, unknown, offline, stopped, frozen or reports an OCI error, and when
    /// <paramref name="deadline"/> passes. A transient API failure skips one poll. The caller destroys the instance on failure.
    /// "running" does not mean sshd answers yet: probe SSH before use.
    /// </summary>
    public async Task<VastSshEndpoint> WaitUntilRunningAsync(long instanceId, DateTimeOffset deadline, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        string? lastSeen = null;
        VastInstance? last = null;
        var polls = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            polls++;
            VastInstance? instance = null;
            var answered = false;
            try
            {
                instance = await GetInstanceAsync(instanceId, ct).ConfigureAwait(false);
                answered = true;
            }
            catch (VastApiException ex) when (ex is not VastAuthException && ex.IsTransient)
            {
                // dstack's rule: a 429 (or a blip) skips the tick instead of failing the run.
                log.Warning("Vast instance {InstanceId} poll {Poll} failed, will poll again: {Reason}", instanceId, polls, ex.Message);
            }

            if (answered)
            {
                if (instance is null)
                {
                    throw new VastInstanceFailedException($"Vast instance {instanceId} disappeared while starting (last status {VastStatus.Display(last?.ActualStatus)})")
                    {
                        InstanceId = instanceId,
                        LastStatus = last?.ActualStatus,
                    };
                }

                last = instance;
                var message = responses.Clean(instance.StatusMsg ?? string.Empty);
                var seen = $"{instance.ActualStatus}|{message}";
                if (seen != lastSeen)
                {
                    log.Information("Vast instance {InstanceId} is {Status}: {StatusMessage}", instanceId, VastStatus.Display(instance.ActualStatus), message);
                    lastSeen = seen;
                }

                if (VastStatus.IsDead(instance))
                {
                    throw new VastInstanceFailedException(responses.Clean($"Vast instance {instanceId} cannot start: status {VastStatus.Display(instance.ActualStatus)}, {message}"))
                    {
                        InstanceId = instanceId,
                        LastStatus = instance.ActualStatus,
                    };
                }

                if (instance.ActualStatus == VastStatus.Running && instance.ResolveSsh() is { } endpoint)
                {
                    log.Information("Vast instance {InstanceId} is running; SSH at {VastSshEndpoint} after {Polls} polls", instanceId, endpoint.ToString(), polls);
                    return endpoint;
                }
            }

            var now = time.GetUtcNow();
            if (now >= deadline)
            {
                throw new VastInstanceFailedException(responses.Clean(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Vast instance {instanceId} was not running with SSH by {deadline.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (last status {VastStatus.Display(last?.ActualStatus)}, {polls} polls)")))
                {
                    InstanceId = instanceId,
                    LastStatus = last?.ActualStatus,
                };
            }

            await Task.Delay(Options.PollInterval, time, ct).ConfigureAwait(false);
        }
    }
}
