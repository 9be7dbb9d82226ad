using QuantLab.Ml.Common;
using QuantLab.Ml.Remote.Scripts;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Uploads a job's files (and, with a host's first job, the trainer package and scripts) into its folder, checks every
/// sha256 on the host, uploads a damaged file once more, and unpacks the package.
/// </summary>
internal sealed class BundleUpload(TrainerPackage package, RemoteRunnerOptions options, TimeProvider time)
{
    /// <summary>
    /// With <paramref name="packageFrom"/> (a batch's first job on this host) only the job's own files travel: the package
    /// and launcher are copied from that folder on the host.
    /// </summary>
    public async Task<TransferStats> UploadAsync(HostedJob job, RemoteJobLayout layout, RemoteJobLayout? packageFrom, CancellationToken ct)
    {
        var conn = job.Connection;
        var log = job.Log;

        // The package and scripts go up with a machine's first job only; later jobs copy them on the host.
        var temp = packageFrom is null ? Directory.CreateTempSubdirectory("quantlab-bundle-") : null;
        try
        {
            var files = await FilesAsync(job.Job, temp, ct).ConfigureAwait(false);
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            long bytes = 0;
            foreach (var (name, local) in files)
            {
                expected[name] = await Hashing.Sha256FileAsync(local, ct).ConfigureAwait(false);
                bytes += new FileInfo(local).Length;
            }

            var clock = time.GetTimestamp();
            foreach (var (name, local) in files)
            {
                await UploadOneAsync(conn, local, layout.Path(name), ct).ConfigureAwait(false);
            }

            var seconds = time.GetElapsedTime(clock).TotalSeconds;
            var bad = await RemoteMismatchesAsync(job.Session, layout, expected, packageFrom, ct).ConfigureAwait(false);
            if (bad.Count > 0)
            {
                // One more try for the damaged files only: a corrupt transfer is rare, two in a row means something is wrong on the host.
                log.Warning("sha256 mismatch after upload of {Files}; uploading them again", string.Join(", ", bad.Select(b => b.Name)));
                foreach (var (name, local) in files.Where(f => bad.Any(b => b.Name == f.Name)))
                {
                    await UploadOneAsync(conn, local, layout.Path(name), ct).ConfigureAwait(false);
                }

                bad = await RemoteMismatchesAsync(job.Session, layout, expected, packageFrom, ct).ConfigureAwait(false);
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

    /// <summary>The files to upload by their name on the host; the package and scripts are written into <paramref name="temp"/> when given.</summary>
    private async Task<List<(string Name, string Local)>> FilesAsync(Training.TrainingJob job, DirectoryInfo? temp, CancellationToken ct)
    {
        var files = new List<(string Name, string Local)> { (RemoteJobLayout.JobFile, job.JobFile), (RemoteJobLayout.DatasetFile, job.DatasetFile) };
        if (temp is not null)
        {
            var tar = Path.Combine(temp.FullName, RemoteJobLayout.PackageTar);
            await package.WriteTarAsync(tar, ct).ConfigureAwait(false);
            var launch = Path.Combine(temp.FullName, LaunchScript.FileName);
            await File.WriteAllTextAsync(launch, LaunchScript.Text, ct).ConfigureAwait(false);
            var bootstrap = Path.Combine(temp.FullName, BootstrapScript.FileName);
            await File.WriteAllTextAsync(bootstrap, BootstrapScript.Text, ct).ConfigureAwait(false);
            files.AddRange([(RemoteJobLayout.PackageTar, tar), (LaunchScript.FileName, launch), (BootstrapScript.FileName, bootstrap)]);
        }

        if (job.ProductionModelFile is { } production)
        {
            files.Add((RemoteJobLayout.ProductionModelFile, production));
        }

        if (job.ProductionDataFile is { } productionData)
        {
            files.Add((RemoteJobLayout.ProductionDataFile, productionData));
        }

        return files;
    }

    private static Task UploadOneAsync(SshConnection conn, string local, string remote, CancellationToken ct) =>
        conn.WithReconnectAsync("upload " + Path.GetFileName(remote), token => conn.UploadFileAsync(local, remote, token), ct);

    /// <summary>The uploaded files whose sha256 on the host differs; the package is unpacked in the same command.</summary>
    private async Task<List<(string Name, string Remote)>> RemoteMismatchesAsync(
        RemoteSession session, RemoteJobLayout layout, Dictionary<string, string> expected, RemoteJobLayout? packageFrom, CancellationToken ct)
    {
        var script = ShellQuote.Script(RemoteScripts.HashAndUnpack, [layout.JobDir, options.Python, packageFrom?.JobDir ?? string.Empty, .. expected.Keys]);
        var result = await session.RunCheckedAsync("verify upload and unpack the trainer package", script, ct).ConfigureAwait(false);
        var remote = RemoteOutputParser.ParseSha256Lines(result.StdoutText);
        return expected
            .Where(e => !remote.TryGetValue(e.Key, out var r) || r != e.Value)
            .Select(e => (e.Key, remote.GetValueOrDefault(e.Key, "missing")))
            .ToList();
    }
}
