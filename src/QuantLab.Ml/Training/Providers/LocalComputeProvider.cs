using System.Diagnostics;
using Serilog;

namespace QuantLab.Ml.Training.Providers;

/// <summary>Runs the trainer as a child process on this machine with the configured interpreter (the embedded default).</summary>
public sealed class LocalComputeProvider(TrainerOptions options, TimeProvider time, ILogger log) : IComputeProvider
{
    public string Name => "local";

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
                lastError = e.Data;
                log.Information("trainer: {TrainerLine}", e.Data);
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
        var limit = TimeSpan.FromMinutes(job.Spec.Runtime.MaxRuntimeMinutes);
        using var timeout = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
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
        if (process.ExitCode != 0)
        {
            var why = TrainerCommand.DescribeExit(process.ExitCode);
            throw new TrainerFailedException(lastError is null ? $"trainer {why}" : $"trainer {why}: {lastError}");
        }

        return new TrainingResult { OutputDir = job.OutputDir, WallTime = time.GetElapsedTime(started), Machine = "local" };
    }
}
