using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Remote;

public sealed partial class RemoteJobRunner
{
    /// <summary>
    /// Runs several jobs one after another on one host over one connection, with one bootstrap. Each job's outcome is
    /// reported through <paramref name="onOutcome"/> as soon as it is known, so its evaluation can start while the next
    /// one trains. A trainer failure fails only its job; a host that cannot be used any more (connection gone past the
    /// reconnect deadline, a command that cannot run) makes the current and every later job <see cref="JobOutcomeStatus.Lost"/>,
    /// for the caller to run again elsewhere. Only cancellation throws (after the running trainer has been stopped).
    /// </summary>
    public async Task<IReadOnlyList<JobOutcome>> RunBatchAsync(
        RemoteTarget target, IReadOnlyList<TrainingJob> jobs, Func<JobOutcome, Task>? onOutcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(jobs);
        var outcomes = new List<JobOutcome>(jobs.Count);
        async Task Report(JobOutcome outcome)
        {
            outcomes.Add(outcome);
            if (onOutcome is not null)
            {
                await onOutcome(outcome);
            }
        }

        var runnable = new List<(TrainingJob Job, TimeSpan MaxRuntime)>(jobs.Count);
        foreach (var job in jobs)
        {
            try
            {
                runnable.Add((job, CheckJob(job)));
            }
            catch (QuantLabException ex)
            {
                await Report(JobOutcome.Failed(job, ex.Message));
            }
        }

        var log = baseLog.ForContext("Machine", target.Machine);
        using var conn = new SshConnection(target, options, time, log);
        var host = new HostSession();
        string? lostBecause = null;
        try
        {
            await ConnectAsync(conn, target, log, ct);
        }
        catch (QuantLabException ex) when (!ct.IsCancellationRequested)
        {
            lostBecause = ex.Message;
        }

        // While one job trains, the next one's folder and files are made ready and its launcher is started behind it:
        // the host goes from one training to the next by itself, while this side downloads and reports the finished one.
        (int Index, StagedJob? Staged, Exception? Error)? next = null;
        ChainedJob? ahead = null;
        try
        {
            for (var i = 0; i < runnable.Count; i++)
            {
                var (job, maxRuntime) = runnable[i];
                if (lostBecause is not null)
                {
                    await Report(JobOutcome.Lost(job, lostBecause));
                    continue;
                }

                var jobLog = log.ForContext("JobId", job.Spec.JobId);
                try
                {
                    StagedJob staged;
                    if (next is { } pre && pre.Index == i)
                    {
                        staged = pre.Staged ?? throw pre.Error!;
                    }
                    else
                    {
                        staged = await StageAsync(conn, target, job, host, jobLog, ct);
                    }

                    next = null;
                    ahead = null;
                    Func<CancellationToken, Task>? stageNext = null;
                    var chained = new ChainedJob();
                    if (i + 1 < runnable.Count)
                    {
                        var index = i + 1;
                        var (following, followingRuntime) = runnable[index];
                        stageNext = async token =>
                        {
                            try
                            {
                                var followingLog = log.ForContext("JobId", following.Spec.JobId);
                                var ready = await StageAsync(conn, target, following, host, followingLog, token);
                                next = (index, ready, null);
                                chained.Layout = ready.Layout;
                                await StartTrainerAsync(conn, ready.Layout, following, ready.Bootstrap, followingRuntime, after: staged.Layout, token);
                                followingLog.Information("trainer queued on the host behind {JobId}", job.Spec.JobId);
                            }
                            catch (QuantLabException ex)
                            {
                                // Its own turn reports it; the job training now must not fail for the next one's upload.
                                next = (index, null, ex);
                            }
                        };
                    }

                    ahead = chained;
                    var result = await TrainStagedAsync(conn, target, job, staged, maxRuntime, stageNext, chained, jobLog, ct);
                    await Report(JobOutcome.Trained(job, result.AsTrainingResult()));
                }
                catch (Exception ex) when (ex is TrainerFailedException or UsageException)
                {
                    await Report(JobOutcome.Failed(job, ex.Message));
                }
                catch (QuantLabException ex) when (!ct.IsCancellationRequested)
                {
                    // The host, not the job: nothing more can run here.
                    lostBecause = ex.Message;
                    jobLog.Error("lost {Machine} during {JobId}: {Reason}; this and the remaining jobs of the batch stop here", target.Machine, job.Spec.JobId, ex.Message);
                    await Report(JobOutcome.Lost(job, lostBecause));
                    await StopAheadAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            await StopAheadAsync();
            throw;
        }

        async Task StopAheadAsync()
        {
            // A job queued behind the one that ended early would start on its own: stop it (best effort, own budget).
            if (ahead?.Layout is { } queued)
            {
                ahead = null;
                await StopQueuedAsync(conn, queued, log);
            }
        }

        return outcomes;
    }
}
