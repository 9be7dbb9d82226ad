using System.Globalization;
using QuantLab.Ml.Remote.Scripts;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Stops trainers on the host (their whole process group, TERM then KILL) and collects their logs, each on a budget of
/// its own because the run's token may already be cancelled.
/// </summary>
internal sealed class TrainerStopper(RemoteRunnerOptions options, TimeProvider time)
{
    /// <summary>Kills the job's remote process group and fetches the logs.</summary>
    public async Task StopAndCollectAsync(HostedJob job, RemoteJobLayout layout)
    {
        using var budget = new CancellationTokenSource(options.CleanupBudget, time);
        if (await StopAsync(job.Session, layout, job.Log, budget.Token).ConfigureAwait(false))
        {
            await CollectLogsAsync(job, layout, budget.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops (and forgets) the batch jobs queued on the host, the last first (each would start once the one before it is
    /// gone).
    /// </summary>
    public async Task StopQueuedAsync(RemoteSession session, List<RemoteJobLayout> queued, ILogger log)
    {
        using var budget = new CancellationTokenSource(options.CleanupBudget, time);
        for (var i = queued.Count - 1; i >= 0; i--)
        {
            var layout = queued[i];
            queued.RemoveAt(i);
            await StopAsync(session, layout, log, budget.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Best effort: copies whatever logs exist so the operator can see why the trainer failed. Never throws.</summary>
    public static async Task CollectLogsAsync(HostedJob job, RemoteJobLayout layout, CancellationToken ct)
    {
        var conn = job.Connection;
        var outputs = job.Job.Spec.Outputs;
        var wanted = new[]
        {
            (RemoteJobLayout.OutputFolder + "/" + outputs.Log, outputs.Log),
            (RemoteJobLayout.ConsoleLog, RemoteJobRunner.TrainerConsoleLog),
            (RemoteJobLayout.LauncherLog, RemoteJobRunner.TrainerLauncherLog),
        };
        foreach (var (remote, local) in wanted)
        {
            try
            {
                var path = layout.Path(remote);
                var exists = await conn.WithReconnectAsync("check " + remote, token => conn.ExistsAsync(path, token), ct).ConfigureAwait(false);
                if (exists)
                {
                    await conn.WithReconnectAsync("collect " + remote, token => conn.DownloadFileAsync(path, Path.Combine(job.Job.OutputDir, local), token), ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                job.Log.Warning("could not collect {RemoteFile} from {Endpoint}: {Reason}", remote, conn.Endpoint.ToString(), ex.Message);
            }
        }
    }

    /// <summary>Kills the job's remote process group (TERM, then KILL) within <paramref name="budget"/>; false when the host could not be asked.</summary>
    private async Task<bool> StopAsync(RemoteSession session, RemoteJobLayout layout, ILogger log, CancellationToken budget)
    {
        try
        {
            var grace = ((long)Math.Ceiling(options.KillGrace.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            var result = await session.RunCheckedAsync("stop trainer", ShellQuote.Script(RemoteScripts.Kill, layout.JobDir, grace), budget).ConfigureAwait(false);
            var alive = RemoteOutputParser.ParseKeyValues(result.StdoutText).GetValueOrDefault("alive", "?");
            if (alive == "0")
            {
                log.Information("remote trainer process group stopped in {RemoteJobDir} on {Endpoint}", layout.JobDir, session.Endpoint.ToString());
            }
            else
            {
                log.Error("remote trainer process group on {Endpoint} still has {Alive} live processes after SIGKILL", session.Endpoint.ToString(), alive);
            }
        }
        catch (Exception ex)
        {
            log.Error(
                "could not stop the remote trainer on {Endpoint}: {Reason}; its own watchdog stops it after {WatchdogGraceMinutes} min beyond the limit",
                session.Endpoint.ToString(),
                ex.Message,
                Math.Round(options.RemoteWatchdogGrace.TotalMinutes, 2));
            return false;
        }

        return true;
    }
}
