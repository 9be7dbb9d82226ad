using System.Diagnostics;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Compute.Local;

/// <summary>Runs the trainer as a child process on this machine with the configured interpreter (the embedded default).</summary>
public sealed class LocalComputeProvider(TrainerOptions options, TimeProvider time, ILogger log) : IJobComputeProvider
{
    /// <summary>How often the trainer's train.log is read for progress lines while it runs.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public ComputeProviderKind Kind => ComputeProviderKind.Local;

    public async Task<TrainingResult> RunAsync(TrainingJob job, CancellationToken ct)
    {
        var packageDir = options.ResolvePackageDir();
        Directory.CreateDirectory(job.OutputDir);
        var psi = new ProcessStartInfo(options.Python)
        {
            WorkingDirectory = packageDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in TrainerCommand.Arguments(job.JobFile, job.DatasetFile, job.OutputDir, job.ProductionModelFile, job.ProductionDataFile))
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var started = time.GetTimestamp();
        using var process = new Process { StartInfo = psi };
        string? lastError = null;
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                // train.log (echoed below) carries the same lines; the last one also ends up in a failure's message.
                lastError = e.Data;
                log.Debug("trainer stderr: {TrainerLine}", e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                log.Debug("trainer: {TrainerLine}", e.Data);
            }
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new TrainerFailedException($"cannot start the trainer interpreter '{options.Python}': {ex.Message} (set Trainer:Python)", ex);
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        // Echo train.log as it grows, like the ssh and vast providers do, so a long local training is not silent.
        using var stopFollowing = new CancellationTokenSource();
        var follow = FollowLogAsync(Path.Combine(job.OutputDir, job.Spec.Outputs.Log), stopFollowing.Token);
        var limit = TimeSpan.FromMinutes(job.Spec.Runtime.MaxRuntimeMinutes);
        using var timeout = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await stopFollowing.CancelAsync().ConfigureAwait(false);
            await follow.ConfigureAwait(false);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TrainerFailedException($"trainer exceeded {job.Spec.Runtime.MaxRuntimeMinutes} min and was killed");
            }

            throw;
        }

        // WaitForExitAsync returns before the redirected streams drain; this waits for them.
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await stopFollowing.CancelAsync().ConfigureAwait(false);
        await follow.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var why = TrainerExitCodes.Describe(process.ExitCode);
            throw new TrainerFailedException(lastError is null ? $"trainer {why}" : $"trainer {why}: {lastError}");
        }

        return new TrainingResult { OutputDir = job.OutputDir, WallTime = time.GetElapsedTime(started), Machine = "local" };
    }

    /// <summary>Logs the new lines of the trainer's log until stopped, then the rest of it; never fails the training.</summary>
    private async Task FollowLogAsync(string path, CancellationToken stop)
    {
        var tail = new LogTail();
        var buffer = new byte[64 * 1024];
        void ReadNew()
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Seek(tail.Offset, SeekOrigin.Begin);
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    foreach (var line in tail.Feed(buffer.AsSpan(0, read)))
                    {
                        TrainerMonitor.LogTrainerLine(log, line);
                    }
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                // Not written yet, or rotated away: the next read tries again.
            }
        }

        try
        {
            while (!stop.IsCancellationRequested)
            {
                ReadNew();
                await Task.Delay(FollowInterval, time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The trainer ended: read what it wrote last.
        }

        ReadNew();
        if (tail.Flush() is { } last)
        {
            TrainerMonitor.LogTrainerLine(log, last);
        }
    }
}
