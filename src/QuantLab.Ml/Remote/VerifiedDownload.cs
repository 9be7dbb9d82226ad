using QuantLab.Ml.Remote.Scripts;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Brings a finished job's outputs back: every file the launcher's sha256 manifest lists, each verified before it gets
/// its real name; a required output missing from the manifest fails the job.
/// </summary>
internal sealed class VerifiedDownload(TimeProvider time)
{
    public async Task<TransferStats> DownloadOutputsAsync(HostedJob job, RemoteJobLayout layout, CancellationToken ct)
    {
        var conn = job.Connection;
        var manifestResult = await job.Session.RunAsync("read manifest", ShellQuote.Script(RemoteScripts.Cat, layout.Path(RemoteJobLayout.Manifest)), ct).ConfigureAwait(false);
        if (manifestResult.ExitCode != 0)
        {
            throw new TrainerFailedException($"trainer finished on {conn.Endpoint} but its output manifest is missing: {manifestResult.LastErrorLine}");
        }

        var manifest = RemoteOutputParser.ParseSha256Lines(manifestResult.StdoutText);
        var outputs = job.Job.Spec.Outputs;
        // predictions_production.npy is optional even with a production model: the trainer skips it when that model does not fit.
        string[] required = [outputs.Model, outputs.Predictions, outputs.TrainMetrics, outputs.Runtime, outputs.Log];
        foreach (var name in required.Where(n => !manifest.ContainsKey(n)))
        {
            throw new TrainerFailedException($"trainer output {name} is missing on {conn.Endpoint} ({layout.OutputDir})");
        }

        var stats = await DownloadVerifiedAsync(conn, layout.OutputDir, manifest, job.Job.OutputDir, time, ct).ConfigureAwait(false);
        job.Log.Information(
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
                actual = await conn.WithReconnectAsync("download " + name, token => conn.DownloadFileAsync(remoteDir + "/" + name, part, token), ct).ConfigureAwait(false);
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
}
