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
        await Timings.WriteRandomFileAsync(source, args.Bytes, ct);
        var sha = await Hashing.Sha256FileAsync(source, ct);
        var openSsh = new OpenSsh(host, port, user, key, args.Work);

        var target = new RemoteTarget { Endpoint = SshEndpoint.Create(host, port, user), Key = SshPrivateKey.FromFile(key), HostKeys = HostKeyPolicy.PinFirstSeen() };
        using var conn = new SshConnection(target, new RemoteRunnerOptions(), TimeProvider.System, Serilog.Core.Logger.None);
        await conn.OpenAsync(ct);

        // OpenSSH's timings include starting the client, the key exchange and the login, which the runner does once per
        // job: that cost, measured with a batch that transfers nothing, is taken off its transfers.
        Timings login = new();
        for (var rep = 0; rep < Math.Max(5, args.Repetitions); rep++)
        {
            await login.MeasureAsync(() => openSsh.SftpAsync("pwd", ct));
        }

        Timings runnerUp = new(), sftpUp = new(), scpUp = new(), runnerDown = new(), verifiedDown = new(), sftpDown = new(), scpDown = new();
        var remote = remoteDir + "/payload.bin";
        var back = Path.Combine(localDir, "back.bin");
        var manifest = new Dictionary<string, string> { ["payload.bin"] = sha };
        try
        {
            for (var rep = 0; rep < args.Repetitions; rep++)
            {
                await runnerUp.MeasureAsync(() => conn.UploadFileAsync(source, remote, ct));
                await Check(remote, sha, "runner upload", ct);
                await sftpUp.MeasureAsync(() => openSsh.SftpAsync($"put \"{source}\" \"{remote}\"", ct));
                await scpUp.MeasureAsync(() => openSsh.ScpAsync(source, $"{user}@{host}:{remote}", ct));

                await runnerDown.MeasureAsync(() => conn.DownloadFileAsync(remote, back, ct));
                await Check(back, sha, "runner download", ct);
                Directory.CreateDirectory(localDir + "/verified");
                await verifiedDown.MeasureAsync(() => RemoteJobRunner.DownloadVerifiedAsync(conn, remoteDir, manifest, localDir + "/verified", TimeProvider.System, ct));
                await sftpDown.MeasureAsync(() => openSsh.SftpAsync($"get \"{remote}\" \"{back}\"", ct));
                await scpDown.MeasureAsync(() => openSsh.ScpAsync($"{user}@{host}:{remote}", back, ct));
                Directory.Delete(localDir + "/verified", recursive: true);
            }
        }
        finally
        {
            Directory.Delete(args.Work, recursive: true);
        }

        var cipher = $"OpenSSH negotiated {await openSsh.CipherAsync(ct)}, SshConnection {conn.Cipher}; OpenSSH times less its login ({login.Median * 1000:0} ms)";
        (sftpUp, scpUp, sftpDown, scpDown) = (sftpUp.Less(login.Median), scpUp.Less(login.Median), sftpDown.Less(login.Median), scpDown.Less(login.Median));
        return
        [
            BenchRow.Throughput(Group, "upload (SshConnection)", args.Bytes, runnerUp, "sftp put", sftpUp, Target, 0.70, cipher),
            BenchRow.Throughput(Group, "upload (SshConnection) vs scp", args.Bytes, runnerUp, "scp", scpUp, Target, 0.70, "OpenSSH scp speaks SFTP since 9.0"),
            BenchRow.Throughput(Group, "download (SshConnection)", args.Bytes, runnerDown, "sftp get", sftpDown, Target, 0.70, string.Empty),
            BenchRow.Throughput(Group, "download (SshConnection) vs scp", args.Bytes, runnerDown, "scp", scpDown, Target, 0.70, string.Empty),
            BenchRow.Throughput(Group, "download verified (DownloadVerifiedAsync)", args.Bytes, verifiedDown, "sftp get", sftpDown, Target, 0.70, "includes the sha256 of the .part file and the rename"),
        ];
    }

    private static async Task Check(string path, string sha, string what, CancellationToken ct)
    {
        if (await Hashing.Sha256FileAsync(path, ct) != sha)
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

        public async Task SftpAsync(string command, CancellationToken ct)
        {
            var batch = Path.Combine(work, "sftp.batch");
            await File.WriteAllTextAsync(batch, command + "\n", ct);
            await RunAsync("sftp", [.. Common("-P"), "-q", "-b", batch, $"{user}@{host}"], ct);
        }

        public Task<string> ScpAsync(string from, string to, CancellationToken ct) => RunAsync("scp", [.. Common("-P"), "-q", from, to], ct);

        /// <summary>The cipher OpenSSH's client picks against this server (from ssh -v).</summary>
        public async Task<string> CipherAsync(CancellationToken ct)
        {
            var output = await RunAsync("ssh", [.. Common("-p"), "-o", "LogLevel=DEBUG1", "-v", $"{user}@{host}", "true"], ct);
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
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} exited {process.ExitCode}: {await stderr}");
            }

            return await stdout + await stderr;
        }
    }
}
