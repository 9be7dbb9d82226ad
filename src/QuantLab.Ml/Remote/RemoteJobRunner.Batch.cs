using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Remote;

public sealed partial class RemoteJobRunner
{
    /// <summary>How many jobs of a batch are queued on the host behind the one training.</summary>
    private const int QueueDepth = 2;

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
                await onOutcome(outcome).ConfigureAwait(false);
            }
        }

        var runnable = new List<(TrainingJob Job, TimeSpan MaxRuntime)>(jobs.Count);
        foreach (var job in jobs)
        {
            try
            {
                runnable.Add((job, JobPreflight.Check(job, options)));
            }
            catch (QuantLabException ex)
            {
                await Report(JobOutcome.Failed(job, ex.Message)).ConfigureAwait(false);
            }
        }

        var log = baseLog.ForContext("Machine", target.Machine);
        using var session = new RemoteSession(target, options, time, log);
        var host = new HostSession();
        string? lostBecause = null;
        try
        {
            await session.ConnectAsync(ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex) when (!ct.IsCancellationRequested)
        {
            lostBecause = ex.Message;
        }

        // While one job trains, the next ones' folders and files are made ready and their launchers are queued on the host
        // behind it, each waiting for the one before: the host goes from one training to the next by itself, while this
        // side downloads and reports the finished one. Two ahead, so a short training never waits for an upload.
        var staged = new Dictionary<int, (StagedJob? Staged, Exception? Error)>();
        // The staged jobs whose launchers wait on the host behind the one training, in order.
        var queue = new List<RemoteJobLayout>();
        try
        {
            for (var i = 0; i < runnable.Count; i++)
            {
                var (job, maxRuntime) = runnable[i];
                if (lostBecause is not null)
                {
                    await Report(JobOutcome.Lost(job, lostBecause)).ConfigureAwait(false);
                    continue;
                }

                var jobLog = log.ForContext("JobId", job.Spec.JobId);
                var hosted = new HostedJob(session, job, maxRuntime, jobLog);
                try
                {
                    StagedJob current;
                    if (staged.Remove(i, out var pre))
                    {
                        current = pre.Staged ?? throw pre.Error!;
                    }
                    else
                    {
                        current = await stager.StageAsync(hosted, host, ct).ConfigureAwait(false);
                    }

                    queue.Remove(current.Layout);
                    var index = i;
                    Task StageAhead(CancellationToken token) => StageAheadAsync(index, current.Layout, token);
                    var result = await TrainStagedAsync(hosted, current, new BatchSideWork(StageAhead, queue), ct).ConfigureAwait(false);
                    await Report(JobOutcome.Trained(job, result.AsTrainingResult())).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TrainerFailedException or UsageException)
                {
                    await Report(JobOutcome.Failed(job, ex.Message)).ConfigureAwait(false);
                }
                catch (QuantLabException ex) when (!ct.IsCancellationRequested)
                {
                    // The host, not the job: nothing more can run here.
                    lostBecause = ex.Message;
                    jobLog.Error("lost {Machine} during {JobId}: {Reason}; this and the remaining jobs of the batch stop here", target.Machine, job.Spec.JobId, ex.Message);
                    await Report(JobOutcome.Lost(job, lostBecause)).ConfigureAwait(false);
                    await stopper.StopQueuedAsync(session, queue, log).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            await stopper.StopQueuedAsync(session, queue, log).ConfigureAwait(false);
            throw;
        }

        // Stages and queues the jobs after <index> (up to QueueDepth ahead) that are not yet on the host.
        async Task StageAheadAsync(int index, RemoteJobLayout currentLayout, CancellationToken token)
        {
            var after = currentLayout;
            for (var k = index + 1; k < runnable.Count && k <= index + QueueDepth; k++)
            {
                if (staged.TryGetValue(k, out var known))
                {
                    if (known.Staged is null)
                    {
                        return;
                    }

                    after = known.Staged.Layout;
                    continue;
                }

                var (following, followingRuntime) = runnable[k];
                var followingLog = log.ForContext("JobId", following.Spec.JobId);
                var followingJob = new HostedJob(session, following, followingRuntime, followingLog);
                try
                {
                    var ready = await stager.StageAsync(followingJob, host, token).ConfigureAwait(false);
                    staged[k] = (ready, null);
                    queue.Add(ready.Layout);
                    await monitor.StartAsync(followingJob, ready, after, token).ConfigureAwait(false);
                    followingLog.Information("trainer queued on the host behind {RemoteJobDir}", after.JobDir);
                    after = ready.Layout;
                }
                catch (QuantLabException ex)
                {
                    // Its own turn reports it (and nothing is queued behind it); the job training now must not fail for it.
                    staged[k] = (null, ex);
                    return;
                }
            }
        }

        return outcomes;
    }
}
