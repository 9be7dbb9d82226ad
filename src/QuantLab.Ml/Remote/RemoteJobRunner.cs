using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote.Scripts;
using QuantLab.Ml.Training;
using Renci.SshNet.Common;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Runs one training job on a host reached by SSH: uploads the bundle into a fresh job folder, bootstraps the Python
/// environment, starts the trainer detached, follows it across dropped connections, enforces the runtime limit,
/// and brings back the outputs verified against the launcher's sha256 manifest. Knows nothing about how the host was obtained.
/// </summary>
public sealed partial class RemoteJobRunner
{
    private const string JobFile = "job.json";
    private const string DatasetFile = "dataset.npz";
    private const string ProductionModelFile = "production_model.bin";
    private const string ProductionDataFile = "production_data.npz";
    private const string PackageTar = "pkg.tar";
    private const string ConsoleLog = "console.log";
    private const string LauncherLog = "launcher.log";

    /// <summary>Where the trainer's stdout/stderr (its one-line error) and the launcher's output land locally after a failure.</summary>
    public const string TrainerConsoleLog = "trainer-console.log";
    public const string TrainerLauncherLog = "trainer-launcher.log";

    private readonly TrainerPackage package;
    private readonly RemoteRunnerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger baseLog;

    public RemoteJobRunner(TrainerPackage package, RemoteRunnerOptions options, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.package = package;
        this.options = options;
        this.time = time;
        baseLog = log.ForContext<RemoteJobRunner>();
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
        var maxRuntime = CheckJob(job);
        var log = baseLog.ForContext("JobId", job.Spec.JobId).ForContext("Machine", target.Machine);
        using var conn = new SshConnection(target, options, time, log);
        var host = new HostSession();
        await ConnectAsync(conn, target, log, ct);
        return await RunJobAsync(conn, target, job, maxRuntime, host, log, ct);
    }

    /// <summary>Checks what can be checked before touching the host; returns the job's runtime limit.</summary>
    private TimeSpan CheckJob(TrainingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var jobId = RemoteJobId.Parse(job.Spec.JobId);
        CheckLocalFiles(job);
        CheckOutputNames(job.Spec.Outputs);
        var maxRuntime = options.MaxRuntime ?? TimeSpan.FromMinutes(job.Spec.Runtime.MaxRuntimeMinutes);
        return maxRuntime > TimeSpan.Zero ? maxRuntime : throw new UsageException($"job {jobId}: runtime.max_runtime_minutes must be positive");
    }

    private static async Task ConnectAsync(SshConnection conn, RemoteTarget target, ILogger log, CancellationToken ct)
    {
        try
        {
            log.Information("connecting to {Endpoint} (host keys: {HostKeyPolicy})", target.Endpoint.ToString(), target.HostKeys.Description);
            await conn.OpenAsync(ct);
            log.Information("ssh ready on {Endpoint}, host key {HostKeyFingerprint}", target.Endpoint.ToString(), target.HostKeys.TrustedFingerprint);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw TransportFailure(target, "connect", ex);
        }
    }

    private static bool IsTransportFailure(Exception ex) => ex is SshException or SocketException or IOException or TimeoutException or ObjectDisposedException;

    /// <summary>Whatever SSH.NET or the network threw after retries were exhausted, as one line for the operator.</summary>
    private static RemoteCommandException TransportFailure(RemoteTarget target, string step, Exception ex) =>
        new($"ssh to {target.Endpoint} failed during {step}: {SshResilience.Describe(ex)}", ex);

    /// <summary>One job on an open connection: its folder, upload, the host's one bootstrap, training and the verified download.</summary>
    private async Task<RemoteRunResult> RunJobAsync(
        SshConnection conn, RemoteTarget target, TrainingJob job, TimeSpan maxRuntime, HostSession host, ILogger log, CancellationToken ct)
    {
        var staged = await StageAsync(conn, target, job, host, log, ct);
        return await TrainStagedAsync(conn, target, job, staged, maxRuntime, whileTraining: null, queued: null, log, ct);
    }

    /// <summary>Everything before the trainer starts: a fresh job folder, the verified bundle and (once per host) the bootstrap.</summary>
    private async Task<StagedJob> StageAsync(SshConnection conn, RemoteTarget target, TrainingJob job, HostSession host, ILogger log, CancellationToken ct)
    {
        var jobId = job.Spec.JobId;
        var started = time.GetTimestamp();
        var reconnectsBefore = conn.Reconnects;
        Directory.CreateDirectory(job.OutputDir);
        ClearStaleOutputs(job);
        var step = "prepare job folder";
        try
        {
            var layout = await PrepareAsync(conn, jobId, job.Spec.Outputs.Log, log, ct);
            if (options.CleanJobsOlderThan is { } age && !host.Cleaned)
            {
                step = "clean old job folders";
                await CleanOldJobsAsync(conn, layout, jobId, age, log, ct);
                host.Cleaned = true;
            }

            step = "upload";
            var upload = await UploadBundleAsync(conn, layout, job, host.PackageFrom, log, ct);
            host.PackageFrom ??= layout;
            step = "bootstrap";
            var bootstrap = host.Bootstrap ??= await BootstrapAsync(conn, layout, log, ct);
            return new StagedJob(layout, upload, bootstrap, time.GetElapsedTime(started), conn.Reconnects - reconnectsBefore);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw TransportFailure(target, step, ex);
        }
    }

    /// <summary>
    /// Starts the staged job's trainer, runs <paramref name="whileTraining"/> while it trains (a batch stages its next job
    /// there), waits for the exit, and downloads the verified outputs.
    /// </summary>
    private async Task<RemoteRunResult> TrainStagedAsync(
        SshConnection conn,
        RemoteTarget target,
        TrainingJob job,
        StagedJob staged,
        TimeSpan maxRuntime,
        Func<CancellationToken, Task>? whileTraining,
        List<JobLayout>? queued,
        ILogger log,
        CancellationToken ct)
    {
        var jobId = job.Spec.JobId;
        var layout = staged.Layout;
        var started = time.GetTimestamp();
        var reconnectsBefore = conn.Reconnects;
        var step = "train";
        try
        {
            var trainerStarted = time.GetTimestamp();
            var outcome = await RunTrainerAsync(conn, layout, job, staged.Bootstrap, maxRuntime, whileTraining, queued, log, ct);
            var trainerSeconds = time.GetElapsedTime(trainerStarted).TotalSeconds;
            if (outcome.TimedOut || outcome.ExitCode is 4 or 124)
            {
                throw new TrainerFailedException($"trainer exceeded {FormatMinutes(maxRuntime)} min on {target.Machine} (job {jobId}); it was stopped, see {Path.Combine(job.OutputDir, job.Spec.Outputs.Log)}");
            }

            if (outcome.ExitCode != 0)
            {
                throw new TrainerFailedException(DescribeFailure(outcome, target, jobId, job));
            }

            step = "download";
            var download = await DownloadOutputsAsync(conn, layout, job, log, ct);
            var result = new RemoteRunResult
            {
                Machine = target.Machine,
                Endpoint = target.Endpoint.ToString(),
                HostKeyFingerprint = target.HostKeys.TrustedFingerprint,
                HostKeyPolicy = target.HostKeys.Description,
                RemoteJobDir = layout.JobDir,
                OutputDir = job.OutputDir,
                Bootstrap = staged.Bootstrap,
                Reconnects = staged.Reconnects + conn.Reconnects - reconnectsBefore,
                Upload = staged.Upload,
                Download = download,
                TrainerSeconds = Math.Round(trainerSeconds, 3),
                WallSeconds = Math.Round((staged.Duration + time.GetElapsedTime(started)).TotalSeconds, 3),
            };
            await Json.WriteFileAsync(Path.Combine(job.OutputDir, RemoteRunResult.FileName), result, RemoteJson.Indented.RemoteRunResult, ct);
            log.Information(
                "remote job {JobId} finished on {Endpoint} in {WallSeconds:0.0} s ({Reconnects} reconnects)",
                jobId,
                target.Endpoint.ToString(),
                result.WallSeconds,
                result.Reconnects);
            return result;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw TransportFailure(target, step, ex);
        }
    }

    /// <summary>A job whose folder, bundle and environment are ready on the host: the trainer can start at once.</summary>
    private sealed record StagedJob(JobLayout Layout, TransferStats Upload, BootstrapReport Bootstrap, TimeSpan Duration, int Reconnects);

    /// <summary>
    /// What one host keeps between the jobs of a batch: its bootstrap (done once), whether old folders were cleaned, and
    /// the first job's folder, whose verified trainer package and launcher the later jobs copy on the host instead of uploading.
    /// </summary>
    private sealed class HostSession
    {
        public BootstrapReport? Bootstrap { get; set; }
        public bool Cleaned { get; set; }
        public JobLayout? PackageFrom { get; set; }
    }

    /// <summary>How many jobs of a batch are queued on the host behind the one training.</summary>
    private const int QueueDepth = 2;

    /// <summary>Deletes job folders on the host untouched for longer than <paramref name="olderThan"/> (never the current job's).</summary>
    private async Task CleanOldJobsAsync(SshConnection conn, JobLayout layout, string currentJobId, TimeSpan olderThan, ILogger log, CancellationToken ct)
    {
        var minutes = Math.Max(1, (long)olderThan.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        var result = await RunCheckedAsync(conn, "clean old job folders", ShellQuote.Script(RemoteScripts.Cleanup, layout.Root, minutes, currentJobId), ct);
        var removed = ParseKeyValues(result.StdoutText).GetValueOrDefault("removed", "0");
        log.Information("removed {Removed} job folders older than {Minutes} min under {RemoteRoot}", removed, minutes, layout.Root);
    }

    /// <summary>Output names travel into remote commands and local paths, so they must be plain file names.</summary>
    private static void CheckOutputNames(OutputLayout outputs)
    {
        foreach (var name in OutputNames(outputs))
        {
            if (name is null || !OutputName().IsMatch(name) || name is "." or "..")
            {
                throw new UsageException($"invalid output file name '{SymbolName.Printable(name)}' in job outputs: expected letters, digits, '.', '_' or '-'");
            }
        }
    }

    /// <summary>
    /// Removes what an earlier attempt left in the output folder, as the trainer does in its own --out folder,
    /// so a file this run did not produce (e.g. skipped production predictions) is never mistaken for one it did.
    /// </summary>
    private static void ClearStaleOutputs(TrainingJob job)
    {
        foreach (var name in OutputNames(job.Spec.Outputs).Append(RemoteRunResult.FileName).Append(TrainerConsoleLog).Append(TrainerLauncherLog))
        {
            File.Delete(Path.Combine(job.OutputDir, name));
        }
    }

    private static IEnumerable<string> OutputNames(OutputLayout o) => [o.Model, o.Predictions, o.ProductionPredictions, o.TrainMetrics, o.Runtime, o.Log];

    private static void CheckLocalFiles(TrainingJob job)
    {
        foreach (var (what, path) in new[] { ("job file", job.JobFile), ("dataset", job.DatasetFile), ("production model", job.ProductionModelFile), ("production data", job.ProductionDataFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new UsageException($"{what} '{path}' does not exist");
            }
        }
    }

    private async Task<JobLayout> PrepareAsync(SshConnection conn, string jobId, string logName, ILogger log, CancellationToken ct)
    {
        var result = await RunCheckedAsync(conn, "prepare job folder", ShellQuote.Script(RemoteScripts.Prepare, options.Root, jobId), ct);
        var values = ParseKeyValues(result.StdoutText);
        if (!values.TryGetValue("root", out var root) || !values.TryGetValue("job_dir", out var jobDir))
        {
            throw new RemoteCommandException($"preparing the job folder on {conn.Endpoint} printed no paths: {result.LastErrorLine}");
        }

        if (values.GetValueOrDefault("killed") == "1")
        {
            log.Warning("an earlier trainer for {JobId} was still running on {Endpoint}; it was stopped before starting afresh", jobId, conn.Endpoint.ToString());
        }

        return new JobLayout(root, jobDir, logName);
    }

    /// <summary>
    /// Uploads the job's files and the trainer package, checks every sha256 on the host and unpacks the package. With
    /// <paramref name="packageFrom"/> (a batch's first job on this host) only the job's own files travel: the package and
    /// launcher are copied from that folder on the host.
    /// </summary>
    private async Task<TransferStats> UploadBundleAsync(SshConnection conn, JobLayout layout, TrainingJob job, JobLayout? packageFrom, ILogger log, CancellationToken ct)
    {
        // The package and scripts go up with a machine's first job only; later jobs copy them on the host.
        var temp = packageFrom is null ? Directory.CreateTempSubdirectory("quantlab-bundle-") : null;
        try
        {
            var files = new List<(string Name, string Local)> { (JobFile, job.JobFile), (DatasetFile, job.DatasetFile) };
            if (temp is not null)
            {
                var tar = Path.Combine(temp.FullName, PackageTar);
                await package.WriteTarAsync(tar, ct);
                var launch = Path.Combine(temp.FullName, LaunchScript.FileName);
                await File.WriteAllTextAsync(launch, LaunchScript.Text, ct);
                var bootstrap = Path.Combine(temp.FullName, BootstrapScript.FileName);
                await File.WriteAllTextAsync(bootstrap, BootstrapScript.Text, ct);
                files.AddRange([(PackageTar, tar), (LaunchScript.FileName, launch), (BootstrapScript.FileName, bootstrap)]);
            }
            if (job.ProductionModelFile is { } production)
            {
                files.Add((ProductionModelFile, production));
            }

            if (job.ProductionDataFile is { } productionData)
            {
                files.Add((ProductionDataFile, productionData));
            }

            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            long bytes = 0;
            foreach (var (name, local) in files)
            {
                expected[name] = await Hashing.Sha256FileAsync(local, ct);
                bytes += new FileInfo(local).Length;
            }

            var clock = time.GetTimestamp();
            foreach (var (name, local) in files)
            {
                await UploadOneAsync(conn, local, layout.Path(name), ct);
            }

            var seconds = time.GetElapsedTime(clock).TotalSeconds;
            var bad = await RemoteMismatchesAsync(conn, layout, expected, packageFrom, ct);
            if (bad.Count > 0)
            {
                // One more try for the damaged files only: a corrupt transfer is rare, two in a row means something is wrong on the host.
                log.Warning("sha256 mismatch after upload of {Files}; uploading them again", string.Join(", ", bad.Select(b => b.Name)));
                foreach (var (name, local) in files.Where(f => bad.Any(b => b.Name == f.Name)))
                {
                    await UploadOneAsync(conn, local, layout.Path(name), ct);
                }

                bad = await RemoteMismatchesAsync(conn, layout, expected, packageFrom, ct);
                if (bad.Count > 0)
                {
                    var (name, remote) = bad[0];
                    throw new RemoteCommandException($"upload of {name} to {conn.Endpoint} is corrupt: local sha256 {expected[name]}, remote {remote}");
                }
            }

            var stats = new TransferStats { Files = files.Count, Bytes = bytes, Seconds = Math.Round(seconds, 3) };
            log.Information(
                "uploaded {Files} files ({Megabytes:0.0} MB) to {RemoteJobDir} in {Seconds:0.00} s ({MegabytesPerSecond:0.0} MB/s), sha256 verified on both sides",
                stats.Files,
                bytes / 1e6,
                layout.JobDir,
                seconds,
                stats.MegabytesPerSecond);
            return stats;
        }
        finally
        {
            temp?.Delete(recursive: true);
        }
    }

    private static Task UploadOneAsync(SshConnection conn, string local, string remote, CancellationToken ct) =>
        conn.WithReconnectAsync("upload " + System.IO.Path.GetFileName(remote), token => conn.UploadFileAsync(local, remote, token), ct);

    /// <summary>The uploaded files whose sha256 on the host differs; the package is unpacked in the same command.</summary>
    private async Task<List<(string Name, string Remote)>> RemoteMismatchesAsync(
        SshConnection conn, JobLayout layout, Dictionary<string, string> expected, JobLayout? packageFrom, CancellationToken ct)
    {
        var script = ShellQuote.Script(RemoteScripts.HashAndUnpack, [layout.JobDir, options.Python, packageFrom?.JobDir ?? string.Empty, .. expected.Keys]);
        var result = await RunCheckedAsync(conn, "verify upload and unpack the trainer package", script, ct);
        var remote = ParseSha256Lines(result.StdoutText);
        return expected
            .Where(e => !remote.TryGetValue(e.Key, out var r) || r != e.Value)
            .Select(e => (e.Key, remote.GetValueOrDefault(e.Key, "missing")))
            .ToList();
    }

    private async Task<BootstrapReport> BootstrapAsync(SshConnection conn, JobLayout layout, ILogger log, CancellationToken ct)
    {
        var command = ShellQuote.Script(RemoteScripts.Bootstrap, [layout.JobDir, options.Python, layout.Root + "/envs", .. options.PipArgs.Select(a => "--pip-arg=" + a)]);
        RemoteCommandResult result;
        try
        {
            result = await conn.WithReconnectAsync("bootstrap", token => conn.RunAsync(command, options.BootstrapTimeout, token), timeoutIsFatal: true, ct);
        }
        catch (RemoteCommandTimeoutException)
        {
            throw new RemoteCommandException($"bootstrap of the trainer environment on {conn.Endpoint} did not finish within {FormatMinutes(options.BootstrapTimeout)} min");
        }

        foreach (var line in result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // bootstrap.py's own lines say why pip runs; pip's chatter is only for debugging.
            if (line.StartsWith("bootstrap:", StringComparison.Ordinal))
            {
                log.Warning("{BootstrapLine}", line);
            }
            else
            {
                log.Debug("bootstrap: {BootstrapLine}", line);
            }
        }

        if (result.ExitCode == 127)
        {
            throw new RemoteCommandException($"Remote:Python '{SymbolName.Printable(options.Python)}' was not found on {conn.Endpoint}, nor any usual interpreter: {result.LastErrorLine}");
        }

        if (result.ExitCode != 0)
        {
            throw new RemoteCommandException($"bootstrap of the trainer environment on {conn.Endpoint} failed (exit {FormatExit(result.ExitCode)}): {result.LastErrorLine}");
        }

        var json = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        var report = Json.Deserialize(json, RemoteJson.Indented.BootstrapReport, "bootstrap report from " + conn.Endpoint);
        log.Information(
            "trainer environment on {Endpoint}: Python {PythonVersion} at {Python}, packages {@Packages}, pip install {PipInstalled}, GPUs {@Gpus}",
            conn.Endpoint.ToString(),
            report.PythonVersion,
            report.Python,
            report.Packages,
            report.PipInstalled,
            report.Gpus);
        return report;
    }

    private async Task<TrainerOutcome> RunTrainerAsync(
        SshConnection conn,
        JobLayout layout,
        TrainingJob job,
        BootstrapReport bootstrap,
        TimeSpan maxRuntime,
        Func<CancellationToken, Task>? whileTraining,
        List<JobLayout>? queued,
        ILogger log,
        CancellationToken ct)
    {
        var launchedAt = time.GetTimestamp();
        try
        {
            // Starting is idempotent (a marker file), so a connection lost while the command was in flight is simply
            // retried, and a batch job already started behind its predecessor is not started twice.
            await StartTrainerAsync(conn, layout, job, bootstrap, maxRuntime, after: null, ct);
            log.Information("trainer started detached in {RemoteJobDir}; max runtime {MaxRuntimeMinutes} min", layout.JobDir, Math.Round(maxRuntime.TotalMinutes, 2));
            if (whileTraining is not null)
            {
                // The trainer runs detached: the connection is free for other work until we look at it again.
                await whileTraining(ct);
            }

            var outcome = await MonitorAsync(conn, layout, maxRuntime, launchedAt, log, ct);
            if (outcome.TimedOut)
            {
                log.Error("trainer exceeded {MaxRuntimeMinutes} min; stopping its process group", Math.Round(maxRuntime.TotalMinutes, 2));
                await StopAndCollectAsync(conn, layout, job, log);
            }
            else if (outcome.ExitCode != 0)
            {
                await CollectLogsAsync(conn, layout, job, log, ct);
            }

            return outcome;
        }
        catch (Exception ex)
        {
            // Cancelled, the host lost for good, or the trainer gone wrong: never leave a trainer running that nobody will
            // collect. A trainer failure is this job's alone, so the jobs queued behind it then simply start; otherwise
            // they are stopped first, or the next would start the moment this one is stopped.
            log.Warning("stopping the remote trainer because the run is ending early: {Reason}", ex is OperationCanceledException ? "cancelled" : ex.Message);
            if (ex is not TrainerFailedException && queued is not null)
            {
                await StopQueuedAsync(conn, queued, log);
            }

            await StopAndCollectAsync(conn, layout, job, log);
            throw;
        }
    }

    /// <summary>Starts the job's launcher detached; with <paramref name="after"/> it waits on the host for that job's launcher to be gone.</summary>
    private async Task StartTrainerAsync(
        SshConnection conn, JobLayout layout, TrainingJob job, BootstrapReport bootstrap, TimeSpan maxRuntime, JobLayout? after, CancellationToken ct)
    {
        var watchdog = (long)Math.Ceiling((maxRuntime + options.RemoteWatchdogGrace).TotalSeconds);
        var heartbeat = (long)Math.Max(1, Math.Round(options.HeartbeatInterval.TotalSeconds));
        var start = ShellQuote.Script(
            RemoteScripts.Start,
            layout.JobDir,
            bootstrap.Python,
            watchdog.ToString(CultureInfo.InvariantCulture),
            heartbeat.ToString(CultureInfo.InvariantCulture),
            job.ProductionModelFile is null ? "0" : job.ProductionDataFile is null ? "1" : "2",
            after?.JobDir ?? string.Empty);
        await RunCheckedAsync(conn, "start trainer", start, ct);
    }

    private async Task<TrainerOutcome> MonitorAsync(SshConnection conn, JobLayout layout, TimeSpan maxRuntime, long launchedAt, ILogger log, CancellationToken ct)
    {
        var tail = new LogTail();
        var vanished = 0;
        var staleWarned = false;
        var staleAfter = TimeSpan.FromSeconds(Math.Max(30, options.HeartbeatInterval.TotalSeconds * 6));
        var launcherDeadline = TimeSpan.FromSeconds(Math.Max(30, options.PollInterval.TotalSeconds * 5));
        while (true)
        {
            var status = await PollAsync(conn, layout, tail, log, ct, wait: true);
            if (status.ExitCode is { } code)
            {
                await DrainLogAsync(conn, layout, tail, status, log, ct);
                log.Information("trainer exited with code {ExitCode}", code);
                return new TrainerOutcome(code, TimedOut: false);
            }

            if (status.Missing)
            {
                throw new TrainerFailedException($"remote job folder {layout.JobDir} on {conn.Endpoint} disappeared during training");
            }

            var elapsed = time.GetElapsedTime(launchedAt);
            if (status.Pgid is null)
            {
                if (elapsed > launcherDeadline)
                {
                    var why = await ReadRemoteTailAsync(conn, layout.Path(LauncherLog), ct);
                    throw new TrainerFailedException($"the launcher did not start on {conn.Endpoint} within {launcherDeadline.TotalSeconds:0} s: {why}");
                }
            }
            else if (status.Alive == 0)
            {
                // Seen twice in a row so a launcher finishing between the two reads of one poll is not mistaken for a crash.
                if (++vanished >= 2)
                {
                    throw new TrainerFailedException($"the trainer on {conn.Endpoint} stopped without writing an exit code (killed, or the host rebooted); see {layout.Path(ConsoleLog)}");
                }
            }
            else
            {
                vanished = 0;
            }

            if (status.HeartbeatAge is { } age && age > staleAfter && !staleWarned)
            {
                staleWarned = true;
                log.Warning("trainer heartbeat on {Endpoint} is {HeartbeatAgeSeconds:0} s old", conn.Endpoint.ToString(), age.TotalSeconds);
            }

            if (elapsed >= maxRuntime)
            {
                return new TrainerOutcome(null, TimedOut: true);
            }

            // The poll itself waited on the host; it came back early only because the trainer's processes are gone,
            // and that is looked at once more after a short pause before it counts as a crash.
            if (status.Pgid is not null && status.Alive == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct);
            }
        }
    }

    private async Task<TrainerStatus> PollAsync(SshConnection conn, JobLayout layout, LogTail tail, ILogger log, CancellationToken ct, bool wait = false)
    {
        var offset = tail.Offset.ToString(CultureInfo.InvariantCulture);
        var max = options.LogChunkBytes.ToString(CultureInfo.InvariantCulture);
        var waitSeconds = wait ? ((long)Math.Ceiling(options.PollInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "0";
        var command = ShellQuote.Script(RemoteScripts.Status, layout.JobDir, offset, max, layout.LogName, waitSeconds);
        var result = await RunCheckedAsync(conn, "status poll", command, ct);
        var status = TrainerStatus.Parse(result.Stdout);
        foreach (var line in tail.Feed(status.LogChunk))
        {
            LogTrainerLine(log, line);
        }

        return status;
    }

    private async Task DrainLogAsync(SshConnection conn, JobLayout layout, LogTail tail, TrainerStatus status, ILogger log, CancellationToken ct)
    {
        // The whole log is downloaded anyway; echo at most a few chunks more so a huge log cannot stall the run.
        for (var i = 0; i < 16 && status.LogSize > tail.Offset; i++)
        {
            status = await PollAsync(conn, layout, tail, log, ct);
        }

        if (tail.Flush() is { } last)
        {
            LogTrainerLine(log, last);
        }
    }

    /// <summary>Echoes a train.log line ("&lt;time&gt; &lt;LEVEL&gt; &lt;message&gt;") at the level the trainer gave it.</summary>
    internal static void LogTrainerLine(ILogger log, string line)
    {
        var level = line.Split(' ', 3) switch
        {
            [_, "ERROR", _] => Serilog.Events.LogEventLevel.Error,
            [_, "WARN" or "WARNING", _] => Serilog.Events.LogEventLevel.Warning,
            _ => Serilog.Events.LogEventLevel.Information,
        };
        log.Write(level, "trainer: {TrainerLine}", line);
    }

    /// <summary>Kills the remote process group and fetches the logs, on a budget of its own because the run's token may be cancelled.</summary>
    private async Task StopAndCollectAsync(SshConnection conn, JobLayout layout, TrainingJob job, ILogger log)
    {
        using var budget = new CancellationTokenSource(options.CleanupBudget, time);
        if (await StopAsync(conn, layout, log, budget.Token))
        {
            await CollectLogsAsync(conn, layout, job, log, budget.Token);
        }
    }

    /// <summary>
    /// Stops (and forgets) the batch jobs queued on the host, the last first (each would start once the one before it is
    /// gone), on a budget of their own because the run's token may be cancelled.
    /// </summary>
    private async Task StopQueuedAsync(SshConnection conn, List<JobLayout> queued, ILogger log)
    {
        using var budget = new CancellationTokenSource(options.CleanupBudget, time);
        for (var i = queued.Count - 1; i >= 0; i--)
        {
            var layout = queued[i];
            queued.RemoveAt(i);
            await StopAsync(conn, layout, log, budget.Token);
        }
    }

    /// <summary>Kills the job's remote process group (TERM, then KILL) within <paramref name="budget"/>; false when the host could not be asked.</summary>
    private async Task<bool> StopAsync(SshConnection conn, JobLayout layout, ILogger log, CancellationToken budget)
    {
        try
        {
            var grace = ((long)Math.Ceiling(options.KillGrace.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            var result = await RunCheckedAsync(conn, "stop trainer", ShellQuote.Script(RemoteScripts.Kill, layout.JobDir, grace), budget);
            var alive = ParseKeyValues(result.StdoutText).GetValueOrDefault("alive", "?");
            if (alive == "0")
            {
                log.Information("remote trainer process group stopped in {RemoteJobDir} on {Endpoint}", layout.JobDir, conn.Endpoint.ToString());
            }
            else
            {
                log.Error("remote trainer process group on {Endpoint} still has {Alive} live processes after SIGKILL", conn.Endpoint.ToString(), alive);
            }
        }
        catch (Exception ex)
        {
            log.Error(
                "could not stop the remote trainer on {Endpoint}: {Reason}; its own watchdog stops it after {WatchdogGraceMinutes} min beyond the limit",
                conn.Endpoint.ToString(),
                ex.Message,
                Math.Round(options.RemoteWatchdogGrace.TotalMinutes, 2));
            return false;
        }

        return true;
    }

    /// <summary>Best effort: copies whatever logs exist so the operator can see why the trainer failed. Never throws.</summary>
    private static async Task CollectLogsAsync(SshConnection conn, JobLayout layout, TrainingJob job, ILogger log, CancellationToken ct)
    {
        var wanted = new[] { ("out/" + job.Spec.Outputs.Log, job.Spec.Outputs.Log), (ConsoleLog, TrainerConsoleLog), (LauncherLog, TrainerLauncherLog) };
        foreach (var (remote, local) in wanted)
        {
            try
            {
                var path = layout.Path(remote);
                var exists = await conn.WithReconnectAsync("check " + remote, token => conn.ExistsAsync(path, token), ct);
                if (exists)
                {
                    await conn.WithReconnectAsync("collect " + remote, token => conn.DownloadFileAsync(path, Path.Combine(job.OutputDir, local), token), ct);
                }
            }
            catch (Exception ex)
            {
                log.Warning("could not collect {RemoteFile} from {Endpoint}: {Reason}", remote, conn.Endpoint.ToString(), ex.Message);
            }
        }
    }

    private async Task<TransferStats> DownloadOutputsAsync(SshConnection conn, JobLayout layout, TrainingJob job, ILogger log, CancellationToken ct)
    {
        var manifestResult = await conn.WithReconnectAsync(
            "read manifest",
            token => conn.RunAsync(ShellQuote.Script(RemoteScripts.Cat, layout.Path("manifest.sha256")), options.OperationTimeout, token),
            ct);
        if (manifestResult.ExitCode != 0)
        {
            throw new TrainerFailedException($"trainer finished on {conn.Endpoint} but its output manifest is missing: {manifestResult.LastErrorLine}");
        }

        var manifest = ParseSha256Lines(manifestResult.StdoutText);
        var outputs = job.Spec.Outputs;
        // predictions_production.npy is optional even with a production model: the trainer skips it when that model does not fit.
        string[] required = [outputs.Model, outputs.Predictions, outputs.TrainMetrics, outputs.Runtime, outputs.Log];
        foreach (var name in required.Where(n => !manifest.ContainsKey(n)))
        {
            throw new TrainerFailedException($"trainer output {name} is missing on {conn.Endpoint} ({layout.Path("out")})");
        }

        var stats = await DownloadVerifiedAsync(conn, layout.Path("out"), manifest, job.OutputDir, time, ct);
        log.Information(
            "downloaded {Files} trainer outputs ({Megabytes:0.0} MB) in {Seconds:0.00} s ({MegabytesPerSecond:0.0} MB/s), sha256 verified",
            stats.Files,
            stats.Bytes / 1e6,
            stats.Seconds,
            stats.MegabytesPerSecond);
        return stats;
    }

    /// <summary>
    /// Downloads every file of <paramref name="manifest"/> from <paramref name="remoteDir"/> into <paramref name="outputDir"/>,
    /// each through a .part file that only gets its real name once its sha256 matches; a second mismatch fails with the file's name.
    /// </summary>
    internal static async Task<TransferStats> DownloadVerifiedAsync(
        SshConnection conn,
        string remoteDir,
        IReadOnlyDictionary<string, string> manifest,
        string outputDir,
        TimeProvider time,
        CancellationToken ct)
    {
        long bytes = 0;
        var clock = time.GetTimestamp();
        foreach (var (name, sha) in manifest.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var target = Path.Combine(outputDir, name);
            var part = target + ".part";
            string? actual = null;
            for (var attempt = 1; attempt <= 2 && actual != sha; attempt++)
            {
                // Hashed while it is written: no second pass over the file.
                actual = await conn.WithReconnectAsync("download " + name, token => conn.DownloadFileAsync(remoteDir + "/" + name, part, token), ct);
            }

            if (actual != sha)
            {
                File.Delete(part);
                throw new TrainerFailedException($"trainer output {name} failed its sha256 check: manifest {sha}, downloaded {actual}");
            }

            bytes += new FileInfo(part).Length;
            File.Move(part, target, overwrite: true);
        }

        var seconds = time.GetElapsedTime(clock).TotalSeconds;
        return new TransferStats { Files = manifest.Count, Bytes = bytes, Seconds = Math.Round(seconds, 3) };
    }

    private async Task<string> ReadRemoteTailAsync(SshConnection conn, string path, CancellationToken ct)
    {
        var result = await conn.WithReconnectAsync("read " + path, token => conn.RunAsync(ShellQuote.Script(RemoteScripts.Cat, path), options.OperationTimeout, token), ct);
        var last = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last ?? "(no output)";
    }

    /// <summary>Runs a short idempotent command with reconnects and fails on a non-zero exit.</summary>
    private async Task<RemoteCommandResult> RunCheckedAsync(SshConnection conn, string what, string command, CancellationToken ct)
    {
        var result = await conn.WithReconnectAsync(what, token => conn.RunAsync(command, options.OperationTimeout, token), ct);
        if (result.ExitCode != 0)
        {
            throw new RemoteCommandException($"{what} on {conn.Endpoint} failed (exit {FormatExit(result.ExitCode)}): {result.LastErrorLine}");
        }

        return result;
    }

    private static string DescribeFailure(TrainerOutcome outcome, RemoteTarget target, string jobId, TrainingJob job)
    {
        var console = Path.Combine(job.OutputDir, TrainerConsoleLog);
        var reason = outcome.ExitCode switch
        {
            2 => "the trainer rejected its input (exit 2)",
            3 => "no usable GPU for device cuda (exit 3)",
            > 128 and < 160 => string.Create(CultureInfo.InvariantCulture, $"the trainer was killed by signal {outcome.ExitCode - 128}"),
            _ => $"the trainer failed (exit {FormatExit(outcome.ExitCode)})",
        };
        var detail = LastLine(console);
        return $"{reason} on {target.Machine} (job {jobId})" + (detail is null ? string.Empty : ": " + detail);
    }

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

    private static string FormatMinutes(TimeSpan span) => span.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);

    private static string FormatExit(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "signal";

    internal static Dictionary<string, string> ParseKeyValues(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }

        return values;
    }

    [GeneratedRegex("^([0-9a-f]{64})  ([A-Za-z0-9._-]{1,100})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Line();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex OutputName();

    /// <summary>Parses sha256sum output; names with characters sha256sum would escape are not trainer outputs and are rejected.</summary>
    internal static Dictionary<string, string> ParseSha256Lines(string text)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Sha256Line().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                throw new TrainerFailedException($"unexpected line in sha256 listing: '{SymbolName.Printable(line)}'");
            }

            hashes[match.Groups[2].Value] = match.Groups[1].Value;
        }

        return hashes;
    }

    /// <summary>Absolute paths of the run on the host.</summary>
    private sealed record JobLayout(string Root, string JobDir, string LogName)
    {
        public string Path(string relative) => JobDir + "/" + relative;
    }

    private sealed record TrainerOutcome(int? ExitCode, bool TimedOut);

    /// <summary>One parsed status poll: liveness, exit code, heartbeat and the next piece of train.log.</summary>
    private sealed record TrainerStatus
    {
        private static readonly byte[] Separator = "--\n"u8.ToArray();

        public bool Missing { get; init; }
        public int Alive { get; init; }
        public string? Pgid { get; init; }
        public int? ExitCode { get; init; }
        public TimeSpan? HeartbeatAge { get; init; }
        public long LogSize { get; init; }
        public byte[] LogChunk { get; init; } = [];

        public static TrainerStatus Parse(byte[] stdout)
        {
            var span = stdout.AsSpan();
            var split = span.StartsWith(Separator) ? 0 : span.IndexOf("\n--\n"u8) + 1;
            if (split <= 0 && !span.StartsWith(Separator))
            {
                throw new RemoteCommandException("status poll printed no separator line");
            }

            var header = ParseKeyValues(Encoding.UTF8.GetString(span[..split]));
            long Number(string key) => long.TryParse(header.GetValueOrDefault(key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            var now = Number("now");
            var beat = Number("heartbeat");
            var exit = Number("exit");
            return new TrainerStatus
            {
                Missing = header.ContainsKey("missing"),
                Alive = (int)Math.Max(0, Number("alive")),
                Pgid = string.IsNullOrEmpty(header.GetValueOrDefault("pgid")) ? null : header["pgid"],
                ExitCode = exit >= 0 ? (int)exit : null,
                HeartbeatAge = now >= 0 && beat >= 0 ? TimeSpan.FromSeconds(now - beat) : null,
                LogSize = Math.Max(0, Number("log_size")),
                LogChunk = span[(split + Separator.Length)..].ToArray(),
            };
        }
    }
}
