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

        foreach (var (job, maxRuntime) in runnable)
        {
            if (lostBecause is not null)
            {
                await Report(JobOutcome.Lost(job, lostBecause));
                continue;
            }

            var jobLog = log.ForContext("JobId", job.Spec.JobId);
            try
            {
                var result = await RunJobAsync(conn, target, job, maxRuntime, host, jobLog, ct);
                await Report(JobOutcome.Trained(job, new TrainingResult { OutputDir = job.OutputDir, WallTime = result.WallTime, Machine = result.Machine, TrainerSeconds = result.TrainerSeconds }));
            }
            catch (TrainerFailedException ex)
            {
                await Report(JobOutcome.Failed(job, ex.Message));
            }
            catch (QuantLabException ex) when (!ct.IsCancellationRequested)
            {
                // The host, not the job: nothing more can run here.
                lostBecause = ex.Message;
                jobLog.Error("lost {Machine} during {JobId}: {Reason}; this and the remaining jobs of the batch stop here", target.Machine, job.Spec.JobId, ex.Message);
                await Report(JobOutcome.Lost(job, lostBecause));
            }
        }

        return outcomes;
    }
}
