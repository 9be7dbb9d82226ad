using System.Diagnostics;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Bench;

/// <summary>
/// Item 2 of #10: one file up and down through the runner's transfer code (<see cref="SshConnection"/>, which the bundle
/// upload and the verified download use) beside OpenSSH's sftp and scp of the same file, same key, same server, same folder.
/// Repetitions are interleaved so background load hits every contender alike.
/// </summary>
internal static class SftpBench
{
    private const string Group = "sftp";
    private const string Target = ">= 0.70 x OpenSSH";

    public static async Task<IReadOnlyList<BenchRow>> RunAsync(BenchArgs args, CancellationToken ct)
    {
        var host = BenchArgs.Require("QUANTLAB_TEST_SSH_HOST");
        var port = int.Parse(BenchArgs.Require("QUANTLAB_TEST_SSH_PORT"), CultureInfo.InvariantCulture);
        var user = BenchArgs.Require("QUANTLAB_TEST_SSH_USER");
        var key = BenchArgs.Require("QUANTLAB_TEST_SSH_KEY");
        var remoteDir = Path.Combine(args.Work, "remote");
        var localDir = Path.Combine(args.Work, "local");
        Directory.CreateDirectory(remoteDir);
        Directory.CreateDirectory(localDir);
        var source = Path.Combine(localDir, "payload.bin");
        await Timings.WriteRandomFileAsync(source, args.Bytes, ct).ConfigureAwait(false);
        var sha = await Hashing.Sha256FileAsync(source, ct).ConfigureAwait(false);
        var openSsh = new OpenSsh(host, port, user, key, args.Work);

        var target = new RemoteTarget { Endpoint = SshEndpoint.Create(host, port, user), Key = SshPrivateKey.FromFile(key), HostKeys = HostKeyPolicy.PinFirstSeen() };
        var options = new RemoteRunnerOptions();

        // Every transfer on both sides starts from nothing: OpenSSH's client starts, connects and logs in; the runner
        // opens its connection (login and probe command), then its SFTP session, as a job does.
        async Task FreshAsync(Func<SshConnection, Task> transfer)
        {
            using var fresh = new SshConnection(target, options, TimeProvider.System, Serilog.Core.Logger.None);
            await fresh.OpenAsync(ct).ConfigureAwait(false);
            await transfer(fresh).ConfigureAwait(false);
        }

        using var conn = new SshConnection(target, options, TimeProvider.System, Serilog.Core.Logger.None);
        await conn.OpenAsync(ct).ConfigureAwait(false);

        Timings runnerUp = new(), sftpUp = new(), scpUp = new(), runnerDown = new(), verifiedDown = new(), sftpDown = new(), scpDown = new();
        Timings openUp = new(), muxSftpUp = new(), muxScpUp = new(), openDown = new(), openVerified = new(), muxSftpDown = new(), muxScpDown = new();
        var remote = remoteDir + "/payload.bin";
        var back = Path.Combine(localDir, "back.bin");
        var manifest = new Dictionary<string, string> { ["payload.bin"] = sha };
        var verifiedDir = Path.Combine(localDir, "verified");
        Timings runnerCommand = new(), sshCommand = new();
        try
        {
            await using var master = (await openSsh.StartMasterAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
            for (var rep = 0; rep < args.Repetitions; rep++)
            {
                // Fresh: both sides log in for the transfer.
                await runnerUp.MeasureAsync(() => FreshAsync(c => c.UploadFileAsync(source, remote, ct))).ConfigureAwait(false);
                await Check(remote, sha, "runner upload", ct).ConfigureAwait(false);
                await sftpUp.MeasureAsync(() => openSsh.SftpAsync($"put \"{source}\" \"{remote}\"", multiplexed: false, ct)).ConfigureAwait(false);
                await scpUp.MeasureAsync(() => openSsh.ScpAsync(source, $"{user}@{host}:{remote}", multiplexed: false, ct)).ConfigureAwait(false);

                await runnerDown.MeasureAsync(() => FreshAsync(c => c.DownloadFileAsync(remote, back, ct))).ConfigureAwait(false);
                await Check(back, sha, "runner download", ct).ConfigureAwait(false);
                Directory.CreateDirectory(verifiedDir);
                await verifiedDown.MeasureAsync(() => FreshAsync(c => VerifiedDownload.DownloadVerifiedAsync(c, remoteDir, manifest, verifiedDir, TimeProvider.System, ct))).ConfigureAwait(false);
                Directory.Delete(verifiedDir, recursive: true);
                await sftpDown.MeasureAsync(() => openSsh.SftpAsync($"get \"{remote}\" \"{back}\"", multiplexed: false, ct)).ConfigureAwait(false);
                await scpDown.MeasureAsync(() => openSsh.ScpAsync($"{user}@{host}:{remote}", back, multiplexed: false, ct)).ConfigureAwait(false);

                // Open: the transfer alone, as within a job (one login, then every transfer): the runner on its open
                // connection, OpenSSH's clients through the master connection (ControlMaster).
                await openUp.MeasureAsync(() => conn.UploadFileAsync(source, remote, ct)).ConfigureAwait(false);
                await Check(remote, sha, "runner upload", ct).ConfigureAwait(false);
                await muxSftpUp.MeasureAsync(() => openSsh.SftpAsync($"put \"{source}\" \"{remote}\"", multiplexed: true, ct)).ConfigureAwait(false);
                await muxScpUp.MeasureAsync(() => openSsh.ScpAsync(source, $"{user}@{host}:{remote}", multiplexed: true, ct)).ConfigureAwait(false);

                await openDown.MeasureAsync(() => conn.DownloadFileAsync(remote, back, ct)).ConfigureAwait(false);
                await Check(back, sha, "runner download", ct).ConfigureAwait(false);
                Directory.CreateDirectory(verifiedDir);
                await openVerified.MeasureAsync(() => VerifiedDownload.DownloadVerifiedAsync(conn, remoteDir, manifest, verifiedDir, TimeProvider.System, ct)).ConfigureAwait(false);
                Directory.Delete(verifiedDir, recursive: true);
                await muxSftpDown.MeasureAsync(() => openSsh.SftpAsync($"get \"{remote}\" \"{back}\"", multiplexed: true, ct)).ConfigureAwait(false);
                await muxScpDown.MeasureAsync(() => openSsh.ScpAsync($"{user}@{host}:{remote}", back, multiplexed: true, ct)).ConfigureAwait(false);
            }

            // The building block of the orchestration overhead: one short command on the open connection, against
            // OpenSSH's client reusing the master connection, as close as OpenSSH gets to "connection already open".
            for (var rep = 0; rep < 20; rep++)
            {
                await runnerCommand.MeasureAsync(() => conn.RunAsync("true", TimeSpan.FromSeconds(30), ct)).ConfigureAwait(false);
                await sshCommand.MeasureAsync(() => openSsh.MultiplexedAsync("true", ct)).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(args.Work, recursive: true);
        }

        var cipher = $"OpenSSH negotiated {await openSsh.CipherAsync(ct).ConfigureAwait(false)}, SshConnection {conn.Cipher}";
        const string Fresh = "both sides start, connect and log in for each transfer (the runner: login, probe command, SFTP session)";
        const string Open = "the transfer alone: the runner on its open connection, OpenSSH's clients through a master connection (ControlMaster), as in a job (one login, then every transfer)";
        const string Verified = "includes the sha256 (hashed while the .part file is written) and the rename";
        return
        [
            BenchRow.Throughput(Group, "upload on an open connection (SshConnection, SFTP)", args.Bytes, openUp, "sftp put (ControlMaster)", muxSftpUp, Target, 0.70, Open + "; " + cipher),
            BenchRow.Throughput(Group, "upload on an open connection vs scp", args.Bytes, openUp, "scp (ControlMaster)", muxScpUp, Target, 0.70, "OpenSSH scp speaks SFTP since 9.0"),
            BenchRow.Throughput(Group, "download on an open connection (SshConnection, SFTP)", args.Bytes, openDown, "sftp get (ControlMaster)", muxSftpDown, Target, 0.70, Open),
            BenchRow.Throughput(Group, "download on an open connection vs scp", args.Bytes, openDown, "scp (ControlMaster)", muxScpDown, Target, 0.70, string.Empty),
            BenchRow.Throughput(Group, "download verified on an open connection (DownloadVerifiedAsync)", args.Bytes, openVerified, "sftp get (ControlMaster)", muxSftpDown, Target, 0.70, Verified),
            BenchRow.Throughput(Group, "download verified on an open connection vs scp", args.Bytes, openVerified, "scp (ControlMaster)", muxScpDown, Target, 0.70, Verified),
            BenchRow.Throughput(Group, "upload with a login (SshConnection)", args.Bytes, runnerUp, "sftp put", sftpUp, Target, 0.70, Fresh),
            BenchRow.Throughput(Group, "upload with a login vs scp", args.Bytes, runnerUp, "scp", scpUp, Target, 0.70, Fresh),
            BenchRow.Throughput(Group, "download with a login (SshConnection)", args.Bytes, runnerDown, "sftp get", sftpDown, Target, 0.70, Fresh),
            BenchRow.Throughput(Group, "download with a login vs scp", args.Bytes, runnerDown, "scp", scpDown, Target, 0.70, Fresh),
            BenchRow.Throughput(Group, "download verified with a login (DownloadVerifiedAsync)", args.Bytes, verifiedDown, "sftp get", sftpDown, Target, 0.70, Fresh + "; " + Verified),
            new BenchRow
            {
                Group = Group,
                Name = "command round trip (SshConnection.RunAsync)",
                Value = Math.Round(runnerCommand.Median * 1000, 1),
                Unit = "ms",
                ReferenceName = "ssh -S (ControlMaster) true",
                ReferenceValue = Math.Round(sshCommand.Median * 1000, 1),
                Target = "report",
                Notes = $"median of {runnerCommand.Count}, best {runnerCommand.Min * 1000:0.0} vs {sshCommand.Min * 1000:0.0} ms; a night runs about 10 such commands besides the polls",
            },
        ];
    }

    private static async Task Check(string path, string sha, string what, CancellationToken ct)
    {
        if (await Hashing.Sha256FileAsync(path, ct).ConfigureAwait(false) != sha)
        {
            throw new InvalidOperationException($"{what} produced a different file");
        }
    }

    /// <summary>The reference: OpenSSH's own clients with the same key against the same server.</summary>
    private sealed class OpenSsh(string host, int port, string user, string key, string work)
    {
        private string[] Common(string portFlag) =>
        [
            "-i", key, portFlag, port.ToString(CultureInfo.InvariantCulture),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        ];

        public async Task SftpAsync(string command, bool multiplexed, CancellationToken ct)
        {
            var batch = Path.Combine(work, "sftp.batch");
            await File.WriteAllTextAsync(batch, command + "\n", ct).ConfigureAwait(false);
            await RunAsync("sftp", [.. Common("-P"), .. Through(multiplexed), "-q", "-b", batch, $"{user}@{host}"], ct).ConfigureAwait(false);
        }

        /// <summary>Through the master connection of <see cref="StartMasterAsync"/> (no login), or a connection of its own.</summary>
        private string[] Through(bool multiplexed) => multiplexed ? ["-o", "ControlMaster=no", "-o", "ControlPath=" + ControlPath] : [];

        /// <summary>A background master connection (ssh -M -N) that <see cref="MultiplexedAsync"/> reuses; disposing it exits the master.</summary>
        public async Task<IAsyncDisposable> StartMasterAsync(CancellationToken ct)
        {
            var info = new ProcessStartInfo("ssh") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in (string[])[.. Common("-p"), "-M", "-N", "-S", ControlPath, $"{user}@{host}"])
            {
                info.ArgumentList.Add(a);
            }

            var master = Process.Start(info) ?? throw new InvalidOperationException("cannot start ssh -M");
            for (var i = 0; i < 100 && !File.Exists(ControlPath); i++)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }

            if (!File.Exists(ControlPath))
            {
                // Without the socket every "multiplexed" reference would silently log in on its own.
                master.Kill();
                throw new InvalidOperationException("ssh -M did not create its control socket within 5 s");
            }

            return new Master(master);
        }

        public Task<string> MultiplexedAsync(string command, CancellationToken ct) =>
            RunAsync("ssh", [.. Common("-p"), .. Through(multiplexed: true), $"{user}@{host}", command], ct);

        private string ControlPath => Path.Combine(work, "ctl");

        private sealed class Master(Process process) : IAsyncDisposable
        {
            public async ValueTask DisposeAsync()
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
                process.Dispose();
            }
        }

        public Task<string> ScpAsync(string from, string to, bool multiplexed, CancellationToken ct) => RunAsync("scp", [.. Common("-P"), .. Through(multiplexed), "-q", from, to], ct);

        /// <summary>The cipher OpenSSH's client picks against this server (from ssh -v).</summary>
        public async Task<string> CipherAsync(CancellationToken ct)
        {
            var output = await RunAsync("ssh", [.. Common("-p"), "-o", "LogLevel=DEBUG1", "-v", $"{user}@{host}", "true"], ct).ConfigureAwait(false);
            var line = output.Split('\n').FirstOrDefault(l => l.Contains("kex: server->client cipher:", StringComparison.Ordinal));
            return line is null ? "(unknown cipher)" : line[(line.IndexOf("cipher:", StringComparison.Ordinal) + 8)..].Split(' ')[0];
        }

        private static async Task<string> RunAsync(string file, string[] arguments, CancellationToken ct)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in arguments)
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
            }

            return await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        }
    }
}
