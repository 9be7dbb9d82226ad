using System.Globalization;
using QuantLab.Ml.Remote.Scripts;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Makes a job ready on its host so the trainer can start at once: a fresh job folder, old folders cleaned (once per
/// host), the verified bundle, and the host's one bootstrap.
/// </summary>
internal sealed class JobStager(BundleUpload upload, TrainerBootstrap bootstrap, RemoteRunnerOptions options, TimeProvider time)
{
    public async Task<StagedJob> StageAsync(HostedJob job, HostSession host, CancellationToken ct)
    {
        var conn = job.Connection;
        var started = time.GetTimestamp();
        var reconnectsBefore = conn.Reconnects;
        Directory.CreateDirectory(job.Job.OutputDir);
        JobPreflight.ClearStaleOutputs(job.Job);
        var step = "prepare job folder";
        try
        {
            var layout = await PrepareAsync(job, ct).ConfigureAwait(false);
            if (options.CleanJobsOlderThan is { } age && !host.Cleaned)
            {
                step = "clean old job folders";
                await CleanOldJobsAsync(job, layout, age, ct).ConfigureAwait(false);
                host.Cleaned = true;
            }

            step = "upload";
            var uploaded = await upload.UploadAsync(job, layout, host.PackageFrom, ct).ConfigureAwait(false);
            host.PackageFrom ??= layout;
            step = "bootstrap";
            var report = host.Bootstrap ??= await bootstrap.RunAsync(job.Session, layout, job.Log, ct).ConfigureAwait(false);
            return new StagedJob(layout, uploaded, report, time.GetElapsedTime(started), conn.Reconnects - reconnectsBefore);
        }
        catch (Exception ex) when (RemoteSession.IsTransportFailure(ex))
        {
            throw job.Session.TransportFailure(step, ex);
        }
    }

    private async Task<RemoteJobLayout> PrepareAsync(HostedJob job, CancellationToken ct)
    {
        var session = job.Session;
        var result = await session.RunCheckedAsync("prepare job folder", ShellQuote.Script(RemoteScripts.Prepare, options.Root, job.JobId), ct).ConfigureAwait(false);
        var values = RemoteOutputParser.ParseKeyValues(result.StdoutText);
        if (!values.TryGetValue("root", out var root) || !values.TryGetValue("job_dir", out var jobDir))
        {
            throw new RemoteCommandException($"preparing the job folder on {session.Endpoint} printed no paths: {result.LastErrorLine}");
        }

        if (values.GetValueOrDefault("killed") == "1")
        {
            job.Log.Warning("an earlier trainer for {JobId} was still running on {Endpoint}; it was stopped before starting afresh", job.JobId, session.Endpoint.ToString());
        }

        return new RemoteJobLayout(root, jobDir, job.Job.Spec.Outputs.Log);
    }

    /// <summary>Deletes job folders on the host untouched for longer than <paramref name="olderThan"/> (never the current job's).</summary>
    private static async Task CleanOldJobsAsync(HostedJob job, RemoteJobLayout layout, TimeSpan olderThan, CancellationToken ct)
    {
        var minutes = Math.Max(1, (long)olderThan.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        var result = await job.Session.RunCheckedAsync("clean old job folders", ShellQuote.Script(RemoteScripts.Cleanup, layout.Root, minutes, job.JobId), ct).ConfigureAwait(false);
        var removed = RemoteOutputParser.ParseKeyValues(result.StdoutText).GetValueOrDefault("removed", "0");
        job.Log.Information("removed {Removed} job folders older than {Minutes} min under {RemoteRoot}", removed, minutes, layout.Root);
    }
}

/// <summary>A job whose folder, bundle and environment are ready on the host: the trainer can start at once.</summary>
internal sealed record StagedJob(RemoteJobLayout Layout, TransferStats Upload, BootstrapReport Bootstrap, TimeSpan Duration, int Reconnects);

/// <summary>
/// What one host keeps between the jobs of a batch: its bootstrap (done once), whether old folders were cleaned, and
/// the first job's folder, whose verified trainer package and launcher the later jobs copy on the host instead of uploading.
/// </summary>
internal sealed class HostSession
{
    public BootstrapReport? Bootstrap { get; set; }
    public bool Cleaned { get; set; }
    public RemoteJobLayout? PackageFrom { get; set; }
}
