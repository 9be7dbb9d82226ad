using System.Text.RegularExpressions;
using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Remote;

/// <summary>What can be checked about a job before touching the host, and the local output files a run owns.</summary>
internal static partial class JobPreflight
{
    /// <summary>Checks the job's id, local files and output names; returns its runtime limit.</summary>
    public static TimeSpan Check(TrainingJob job, RemoteRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        var jobId = RemoteJobId.Parse(job.Spec.JobId);
        CheckLocalFiles(job);
        CheckOutputNames(job.Spec.Outputs);
        var maxRuntime = options.MaxRuntime ?? TimeSpan.FromMinutes(job.Spec.Runtime.MaxRuntimeMinutes);
        return maxRuntime > TimeSpan.Zero ? maxRuntime : throw new UsageException($"job {jobId}: runtime.max_runtime_minutes must be positive");
    }

    /// <summary>
    /// Removes what an earlier attempt left in the output folder, as the trainer does in its own --out folder,
    /// so a file this run did not produce (e.g. skipped production predictions) is never mistaken for one it did.
    /// </summary>
    public static void ClearStaleOutputs(TrainingJob job)
    {
        foreach (var name in OutputNames(job.Spec.Outputs)
                     .Append(RemoteRunResult.FileName)
                     .Append(RemoteJobRunner.TrainerConsoleLog)
                     .Append(RemoteJobRunner.TrainerLauncherLog))
        {
            File.Delete(Path.Combine(job.OutputDir, name));
        }
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

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex OutputName();
}
