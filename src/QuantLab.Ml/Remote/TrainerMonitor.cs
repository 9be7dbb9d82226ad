using System.Globalization;
using QuantLab.Ml.Remote.Scripts;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Starts a staged job's launcher detached and follows the trainer until it exits or reaches its runtime limit: polls
/// its status (waiting on the host), echoes train.log, and tells a crash from a launcher that never started.
/// </summary>
internal sealed class TrainerMonitor(RemoteRunnerOptions options, TimeProvider time)
{
    /// <summary>Starts the job's launcher detached; with <paramref name="after"/> it waits on the host for that job's launcher to be gone.</summary>
    public async Task StartAsync(HostedJob job, StagedJob staged, RemoteJobLayout? after, CancellationToken ct)
    {
        var watchdog = (long)Math.Ceiling((job.MaxRuntime + options.RemoteWatchdogGrace).TotalSeconds);
        var heartbeat = (long)Math.Max(1, Math.Round(options.HeartbeatInterval.TotalSeconds));
        var start = ShellQuote.Script(
            RemoteScripts.Start,
            staged.Layout.JobDir,
            staged.Bootstrap.Python,
            watchdog.ToString(CultureInfo.InvariantCulture),
            heartbeat.ToString(CultureInfo.InvariantCulture),
            job.Job.ProductionModelFile is null ? "0" : job.Job.ProductionDataFile is null ? "1" : "2",
            after?.JobDir ?? string.Empty);
        await job.Session.RunCheckedAsync("start trainer", start, ct).ConfigureAwait(false);
    }

    /// <summary>Follows the trainer started at <paramref name="launchedAt"/> until it exits or its runtime limit has passed.</summary>
    public async Task<TrainerOutcome> MonitorAsync(HostedJob job, RemoteJobLayout layout, long launchedAt, CancellationToken ct)
    {
        var conn = job.Connection;
        var log = job.Log;
        var tail = new LogTail();
        var vanished = 0;
        var staleWarned = false;
        var staleAfter = TimeSpan.FromSeconds(Math.Max(30, options.HeartbeatInterval.TotalSeconds * 6));
        var launcherDeadline = TimeSpan.FromSeconds(Math.Max(30, options.PollInterval.TotalSeconds * 5));
        while (true)
        {
            var status = await PollAsync(job, layout, tail, wait: true, ct).ConfigureAwait(false);
            if (status.ExitCode is { } code)
            {
                await DrainLogAsync(job, layout, tail, status, ct).ConfigureAwait(false);
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
                    var why = await job.Session.ReadLastLineAsync(layout.Path(RemoteJobLayout.LauncherLog), ct).ConfigureAwait(false);
                    throw new TrainerFailedException($"the launcher did not start on {conn.Endpoint} within {launcherDeadline.TotalSeconds:0} s: {why}");
                }
            }
            else if (status.Alive == 0)
            {
                // Seen twice in a row so a launcher finishing between the two reads of one poll is not mistaken for a crash.
                if (++vanished >= 2)
                {
                    throw new TrainerFailedException($"the trainer on {conn.Endpoint} stopped without writing an exit code (killed, or the host rebooted); see {layout.Path(RemoteJobLayout.ConsoleLog)}");
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

            if (elapsed >= job.MaxRuntime)
            {
                return new TrainerOutcome(null, TimedOut: true);
            }

            // The poll itself waited on the host; it came back early only because the trainer's processes are gone,
            // and that is looked at once more after a short pause before it counts as a crash.
            if (status.Pgid is not null && status.Alive == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct).ConfigureAwait(false);
            }
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

    private async Task<TrainerStatus> PollAsync(HostedJob job, RemoteJobLayout layout, LogTail tail, bool wait, CancellationToken ct)
    {
        var offset = tail.Offset.ToString(CultureInfo.InvariantCulture);
        var max = options.LogChunkBytes.ToString(CultureInfo.InvariantCulture);
        var waitSeconds = wait ? ((long)Math.Ceiling(options.PollInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "0";
        var command = ShellQuote.Script(RemoteScripts.Status, layout.JobDir, offset, max, layout.LogName, waitSeconds);
        var result = await job.Session.RunCheckedAsync("status poll", command, ct).ConfigureAwait(false);
        var status = TrainerStatus.Parse(result.Stdout);
        foreach (var line in tail.Feed(status.LogChunk))
        {
            LogTrainerLine(job.Log, line);
        }

        return status;
    }

    private async Task DrainLogAsync(HostedJob job, RemoteJobLayout layout, LogTail tail, TrainerStatus status, CancellationToken ct)
    {
        // The whole log is downloaded anyway; echo at most a few chunks more so a huge log cannot stall the run.
        for (var i = 0; i < 16 && status.LogSize > tail.Offset; i++)
        {
            status = await PollAsync(job, layout, tail, wait: false, ct).ConfigureAwait(false);
        }

        if (tail.Flush() is { } last)
        {
            LogTrainerLine(job.Log, last);
        }
    }
}
