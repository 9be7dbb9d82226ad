using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Runs one training job on a host reached by SSH: uploads the bundle into a fresh job folder, bootstraps the Python
/// environment, starts the trainer detached, follows it across dropped connections, enforces the runtime limit,
/// and brings back the outputs verified against the launcher's sha256 manifest. Knows nothing about how the host was obtained.
/// </summary>
/// <remarks>
/// Composes the parts that do each step: <see cref="RemoteSession"/> (connect, checked commands), <see cref="JobStager"/>
/// (folder, <see cref="BundleUpload"/>, <see cref="TrainerBootstrap"/>), <see cref="TrainerMonitor"/>,
/// <see cref="TrainerStopper"/> and <see cref="VerifiedDownload"/>; <see cref="RemoteJobLayout"/> says where things are on the host.
/// </remarks>
public sealed partial class RemoteJobRunner
{
    /// <summary>Where the trainer's stdout/stderr (its one-line error) and the launcher's output land locally after a failure.</summary>
    public const string TrainerConsoleLog = "trainer-console.log";
    public const string TrainerLauncherLog = "trainer-launcher.log";

    private readonly RemoteRunnerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger baseLog;
    private readonly JobStager stager;
    private readonly TrainerMonitor monitor;
    private readonly TrainerStopper stopper;
    private readonly VerifiedDownload download;

    public RemoteJobRunner(TrainerPackage package, RemoteRunnerOptions options, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.time = time;
        baseLog = log.ForContext<RemoteJobRunner>();
        stager = new JobStager(new BundleUpload(package, options, time), new TrainerBootstrap(options), options, time);
        monitor = new TrainerMonitor(options, time);
        stopper = new TrainerStopper(options, time);
        download = new VerifiedDownload(time);
    }

    /// <summary>The validated options (the vast provider's watchdog needs the remote root).</summary>
    public RemoteRunnerOptions Options => options;

    /// <summary>
    /// Runs <paramref name="job"/> on <paramref name="target"/> and returns once the verified outputs are in <see cref="TrainingJob.OutputDir"/>.
    /// Throws <see cref="TrainerFailedException"/> when the trainer fails or times out, another <see cref="QuantLabException"/> when the host
    /// cannot be used; on cancellation the remote process group is killed before the exception propagates.
    /// </summary>
    public async Task<RemoteRunResult> RunAsync(RemoteTarget target, TrainingJob job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var maxRuntime = JobPreflight.Check(job, options);
        var log = baseLog.ForContext("JobId", job.Spec.JobId).ForContext("Machine", target.Machine);
        using var session = new RemoteSession(target, options, time, log);
        await session.ConnectAsync(ct).ConfigureAwait(false);
        var hosted = new HostedJob(session, job, maxRuntime, log);
        var staged = await stager.StageAsync(hosted, new HostSession(), ct).ConfigureAwait(false);
        return await TrainStagedAsync(hosted, staged, sideWork: null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the staged job's trainer, does the batch's <paramref name="sideWork"/> while it trains (staging the next
    /// jobs), waits for the exit, and downloads the verified outputs.
    /// </summary>
    private async Task<RemoteRunResult> TrainStagedAsync(HostedJob job, StagedJob staged, BatchSideWork? sideWork, CancellationToken ct)
    {
        var session = job.Session;
        var target = session.Target;
        var conn = job.Connection;
        var layout = staged.Layout;
        var started = time.GetTimestamp();
        var reconnectsBefore = conn.Reconnects;
        var step = "train";
        try
        {
            var trainerStarted = time.GetTimestamp();
            var outcome = await RunTrainerAsync(job, staged, sideWork, ct).ConfigureAwait(false);
            var trainerSeconds = time.GetElapsedTime(trainerStarted).TotalSeconds;
            if (outcome.TimedOut || TrainerExitCodes.IsRuntimeExceeded(outcome.ExitCode))
            {
                var minutes = job.MaxRuntime.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);
                throw new TrainerFailedException($"trainer exceeded {minutes} min on {target.Machine} (job {job.JobId}); it was stopped, see {Path.Combine(job.Job.OutputDir, job.Job.Spec.Outputs.Log)}");
            }

            if (outcome.ExitCode != TrainerExitCodes.Ok)
            {
                throw new TrainerFailedException(DescribeFailure(outcome, job));
            }

            step = "download";
            var downloaded = await download.DownloadOutputsAsync(job, layout, ct).ConfigureAwait(false);
            var result = new RemoteRunResult
            {
                Machine = target.Machine,
                Endpoint = target.Endpoint.ToString(),
                HostKeyFingerprint = target.HostKeys.TrustedFingerprint,
                HostKeyPolicy = target.HostKeys.Description,
                RemoteJobDir = layout.JobDir,
                OutputDir = job.Job.OutputDir,
                Bootstrap = staged.Bootstrap,
                Reconnects = staged.Reconnects + conn.Reconnects - reconnectsBefore,
                Upload = staged.Upload,
                Download = downloaded,
                TrainerSeconds = Math.Round(trainerSeconds, 3),
                WallSeconds = Math.Round((staged.Duration + time.GetElapsedTime(started)).TotalSeconds, 3),
            };
            await Json.WriteFileAsync(Path.Combine(job.Job.OutputDir, RemoteRunResult.FileName), result, RemoteJson.Indented.RemoteRunResult, ct).ConfigureAwait(false);
            job.Log.Information(
                "remote job {JobId} finished on {Endpoint} in {WallSeconds:0.0} s ({Reconnects} reconnects)",
                job.JobId,
                target.Endpoint.ToString(),
                result.WallSeconds,
                result.Reconnects);
            return result;
        }
        catch (Exception ex) when (RemoteSession.IsTransportFailure(ex))
        {
            throw session.TransportFailure(step, ex);
        }
    }

    /// <summary>Starts the trainer, follows it to its end, and never leaves it running when the run ends early.</summary>
    private async Task<TrainerOutcome> RunTrainerAsync(HostedJob job, StagedJob staged, BatchSideWork? sideWork, CancellationToken ct)
    {
        var layout = staged.Layout;
        var log = job.Log;
        var launchedAt = time.GetTimestamp();
        try
        {
            // Starting is idempotent (a marker file), so a connection lost while the command was in flight is simply
            // retried, and a batch job already started behind its predecessor is not started twice.
            await monitor.StartAsync(job, staged, after: null, ct).ConfigureAwait(false);
            log.Information("trainer started detached in {RemoteJobDir}; max runtime {MaxRuntimeMinutes} min", layout.JobDir, Math.Round(job.MaxRuntime.TotalMinutes, 2));
            if (sideWork is not null)
            {
                // The trainer runs detached: the connection is free for other work until we look at it again.
                await sideWork.WhileTraining(ct).ConfigureAwait(false);
            }

            var outcome = await monitor.MonitorAsync(job, layout, launchedAt, ct).ConfigureAwait(false);
            if (outcome.TimedOut)
            {
                log.Error("trainer exceeded {MaxRuntimeMinutes} min; stopping its process group", Math.Round(job.MaxRuntime.TotalMinutes, 2));
                await stopper.StopAndCollectAsync(job, layout).ConfigureAwait(false);
            }
            else if (outcome.ExitCode != TrainerExitCodes.Ok)
            {
                await TrainerStopper.CollectLogsAsync(job, layout, ct).ConfigureAwait(false);
            }

            return outcome;
        }
        catch (Exception ex)
        {
            // Cancelled, the host lost for good, or the trainer gone wrong: never leave a trainer running that nobody will
            // collect. A trainer failure is this job's alone, so the jobs queued behind it then simply start; otherwise
            // they are stopped first, or the next would start the moment this one is stopped.
            log.Warning("stopping the remote trainer because the run is ending early: {Reason}", ex is OperationCanceledException ? "cancelled" : ex.Message);
            if (ex is not TrainerFailedException && sideWork is not null)
            {
                await stopper.StopQueuedAsync(job.Session, sideWork.Queued, log).ConfigureAwait(false);
            }

            await stopper.StopAndCollectAsync(job, layout).ConfigureAwait(false);
            throw;
        }
    }

    private static string DescribeFailure(TrainerOutcome outcome, HostedJob job)
    {
        var detail = LastLine(Path.Combine(job.Job.OutputDir, TrainerConsoleLog));
        return $"{TrainerExitCodes.DescribeRemote(outcome.ExitCode)} on {job.Session.Target.Machine} (job {job.JobId})" + (detail is null ? string.Empty : ": " + detail);
    }

    /// <summary>The last non-empty line of a local log, cut to 300 characters; null when there is none.</summary>
    private static string? LastLine(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var line = File.ReadLines(path).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            return line is { Length: > 300 } ? line[..300] + "…" : line;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>What a batch does while a job trains (stage the next ones), and the staged jobs queued on the host behind it.</summary>
    private sealed record BatchSideWork(Func<CancellationToken, Task> WhileTraining, List<RemoteJobLayout> Queued);
}
