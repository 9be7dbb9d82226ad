using System.Net.Sockets;
using QuantLab.Ml.Common;
using Renci.SshNet;
using Renci.SshNet.Common;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// One logical connection to a host that outlives dropped TCP connections: the SSH and SFTP clients are rebuilt through
/// <see cref="SshResilience"/> whenever they fail, and idempotent operations are re-run on the new clients.
/// </summary>
internal sealed class SshConnection : IDisposable
{
    private const string ProbeReply = "quantlab-ready";
    private const int MaxAttemptsPerOperation = 8;

    // SSH.NET's 32 KiB default halves loopback throughput; 64 KiB is within what every OpenSSH sftp-server accepts.
    private const uint SftpBufferSize = 64 * 1024;

    // AEAD ciphers first: SSH.NET runs AES-GCM through the runtime's AesGcm (AES-NI, no separate MAC), where its default
    // first choice aes128-ctr + hmac-sha2-256 costs two managed passes per packet (docs/benchmarks.md, group sftp).
    private static readonly string[] PreferredCiphers = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];

    private readonly RemoteTarget target;
    private readonly RemoteRunnerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private SshClient? ssh;
    private SftpClient? sftp;
    private Task<SftpClient>? sftpOpening;
    private bool disposed;

    public SshConnection(RemoteTarget target, RemoteRunnerOptions options, TimeProvider time, ILogger log)
    {
        this.target = target;
        this.options = options;
        this.time = time;
        this.log = log;
    }

    /// <summary>Connections re-established after a drop.</summary>
    public int Reconnects { get; private set; }

    public SshEndpoint Endpoint => target.Endpoint;

    /// <summary>The cipher the SFTP session negotiated (server to client), once one is open.</summary>
    public string? Cipher => sftp?.ConnectionInfo.CurrentServerEncryption;

    /// <summary>
    /// Waits until the host accepts our login and answers a trivial command (the readiness deadline applies), then starts
    /// opening the SFTP session in the background: every job uploads next, and the handshake overlaps the job-folder commands.
    /// </summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        await SshResilience.ExecuteAsync(options.Resilience, options.Resilience.ReadinessTimeout, "login to " + target.Endpoint, time, log, ConnectShellAsync, ct).ConfigureAwait(false);
        sftpOpening ??= ConnectSftpAsync(ct);
    }

    /// <summary>
    /// Runs an idempotent operation; when the connection fails under it, reconnects (within the reconnect deadline) and runs it again.
    /// Command timeouts count as a dead connection unless <paramref name="timeoutIsFatal"/> is set (long commands).
    /// </summary>
    public async Task<T> WithReconnectAsync<T>(string what, Func<CancellationToken, Task<T>> operation, bool timeoutIsFatal, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (ssh is not { IsConnected: true })
                {
                    await ReconnectAsync(what, reason: "not connected", ct).ConfigureAwait(false);
                }

                return await operation(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && attempt < MaxAttemptsPerOperation && IsConnectionFailure(ex, timeoutIsFatal))
            {
                DropClients();
                await ReconnectAsync(what, SshResilience.Describe(ex), ct).ConfigureAwait(false);
            }
        }
    }

    public Task<T> WithReconnectAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken ct) =>
        WithReconnectAsync(what, operation, timeoutIsFatal: false, ct);

    public Task WithReconnectAsync(string what, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        WithReconnectAsync<bool>(
            what,
            async token =>
            {
                await operation(token).ConfigureAwait(false);
                return true;
            },
            timeoutIsFatal: false,
            ct);

    /// <summary>Runs one command on the current connection. Throws <see cref="RemoteCommandTimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct)
    {
        var client = ssh is { IsConnected: true } ? ssh : throw new SshConnectionException("not connected");
        return await RunOnAsync(client, command, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Uploads a local file with SFTP's whole-file (pipelined) transfer; overwrites.</summary>
    public async Task UploadFileAsync(string localPath, string remotePath, CancellationToken ct)
    {
        var client = await SftpAsync(ct).ConfigureAwait(false);
        var stream = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        await using (stream)
        {
            await client.UploadFileAsync(stream, remotePath, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Uploads small in-memory content (scripts) through the same whole-file transfer.</summary>
    public async Task UploadBytesAsync(byte[] content, string remotePath, CancellationToken ct)
    {
        var client = await SftpAsync(ct).ConfigureAwait(false);
        using var stream = new MemoryStream(content, writable: false);
        await client.UploadFileAsync(stream, remotePath, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads a remote file with SFTP's whole-file (pipelined) transfer into <paramref name="localPath"/> (replaced),
    /// hashing the bytes as they are written, so a caller that checks a sha256 needs no second pass over the file.
    /// </summary>
    /// <returns>The lower-case hex sha256 of what was written.</returns>
    public async Task<string> DownloadFileAsync(string remotePath, string localPath, CancellationToken ct)
    {
        var client = await SftpAsync(ct).ConfigureAwait(false);
        var stream = new Sha256WriteStream(new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20));
        await using (stream)
        {
            await client.DownloadFileAsync(remotePath, stream, ct).ConfigureAwait(false);
            return stream.HexHash();
        }
    }

    public async Task<bool> ExistsAsync(string remotePath, CancellationToken ct)
    {
        var client = await SftpAsync(ct).ConfigureAwait(false);
        return await client.ExistsAsync(remotePath, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            DropClients();
            if (sftpOpening is { } opening)
            {
                // Still connecting (or never used): whatever it opens is closed, whatever it throws is observed.
                sftpOpening = null;
                _ = opening.ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            t.Result.Dispose();
                        }
                        else
                        {
                            _ = t.Exception;
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.None,
                    TaskScheduler.Default);
            }
        }
    }

    private async Task ReconnectAsync(string what, string reason, CancellationToken ct)
    {
        Reconnects++;
        log.Warning("ssh connection to {Endpoint} lost during {Operation} ({Reason}); reconnecting", target.Endpoint.ToString(), what, reason);
        await SshResilience.ExecuteAsync(options.Resilience, options.Resilience.ReconnectTimeout, "reconnect to " + target.Endpoint, time, log, ConnectShellAsync, ct).ConfigureAwait(false);
        log.Information("ssh connection to {Endpoint} re-established", target.Endpoint.ToString());
    }

    private async ValueTask ConnectShellAsync(CancellationToken ct)
    {
        DropClients();
        var client = await ConnectClientAsync((e, key) => new SshClient(e.Host, e.Port, e.User, key) { KeepAliveInterval = options.KeepAliveInterval }, ct).ConfigureAwait(false);
        try
        {
            // sshd can accept a login before the account's shell works (image still unpacking); a trivial command proves it does.
            var probe = await RunOnAsync(client, "echo " + ProbeReply, options.OperationTimeout, ct).ConfigureAwait(false);
            if (probe.ExitCode != 0 || probe.StdoutText.Trim() != ProbeReply)
            {
                throw new RemoteNotReadyException($"probe command failed (exit {probe.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "signal"}): {probe.LastErrorLine}");
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        ssh = client;
    }

    private async Task<SftpClient> SftpAsync(CancellationToken ct)
    {
        if (sftpOpening is { } opening)
        {
            sftpOpening = null;
            try
            {
                var early = await opening.ConfigureAwait(false);
                sftp?.Dispose();
                sftp = early;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not HostKeyRejectedException)
            {
                log.Debug(ex, "the SFTP session opened after login failed; opening it again");
            }
        }

        if (sftp is { IsConnected: true })
        {
            return sftp;
        }

        sftp?.Dispose();
        sftp = null;
        var client = await ConnectSftpAsync(ct).ConfigureAwait(false);
        sftp = client;
        return client;
    }

    private Task<SftpClient> ConnectSftpAsync(CancellationToken ct) =>
        ConnectClientAsync(
            (e, key) => new SftpClient(e.Host, e.Port, e.User, key)
            {
                KeepAliveInterval = options.KeepAliveInterval,

                // Without this SSH.NET waits forever for a reply that a dead connection will never send.
                OperationTimeout = options.OperationTimeout,
                BufferSize = SftpBufferSize,
            },
            ct);

    private async Task<T> ConnectClientAsync<T>(Func<SshEndpoint, IPrivateKeySource, T> create, CancellationToken ct)
        where T : BaseClient
    {
        var endpoint = target.Endpoint;
        var client = create(endpoint, target.Key.Source);

        // Per connection attempt: the SFTP session may be connecting while the shell reconnects.
        string? rejection = null;
        void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
        {
            rejection = target.HostKeys.Check(target.Endpoint, e.HostKey);
            e.CanTrust = rejection is null;
        }

        try
        {
            client.ConnectionInfo.Timeout = options.ConnectTimeout;
            PreferCiphers(client.ConnectionInfo.Encryptions);
            target.HostKeys.Configure(client.ConnectionInfo, endpoint);
            client.HostKeyReceived += OnHostKeyReceived;
            await client.ConnectAsync(ct).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            if (rejection is { } reason)
            {
                log.Error("ssh host key rejected for {Endpoint}: {Reason}", endpoint.ToString(), reason);
                throw new HostKeyRejectedException(reason);
            }

            throw;
        }
    }

    /// <summary>
    /// Moves <see cref="PreferredCiphers"/> (those this SSH.NET build offers) to the front; the server still picks among all.
    /// ConnectionInfo's dictionaries keep insertion order, which is the order SSH.NET proposes.
    /// </summary>
    private static void PreferCiphers(IDictionary<string, CipherInfo> ciphers)
    {
        var rest = ciphers.Where(c => !PreferredCiphers.Contains(c.Key)).ToList();
        foreach (var (name, _) in rest)
        {
            ciphers.Remove(name);
        }

        foreach (var (name, cipher) in rest)
        {
            ciphers.Add(name, cipher);
        }
    }

    private async Task<RemoteCommandResult> RunOnAsync(SshClient client, string command, TimeSpan timeout, CancellationToken ct)
    {
        using var cmd = client.CreateCommand(command);
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        try
        {
            // WaitAsync bounds the wait even if SSH.NET never completes the task on a half-dead connection.
            await cmd.ExecuteAsync(linked.Token).WaitAsync(timeout + TimeSpan.FromSeconds(5), time, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new RemoteCommandTimeoutException($"remote command did not finish within {timeout.TotalSeconds:0} s");
        }

        using var stdout = new MemoryStream();
        await cmd.OutputStream.CopyToAsync(stdout, ct).ConfigureAwait(false);
        using var stderr = new StreamReader(cmd.ExtendedOutputStream);
        return new RemoteCommandResult
        {
            ExitCode = cmd.ExitStatus,
            Stdout = stdout.ToArray(),
            Stderr = await stderr.ReadToEndAsync(ct).ConfigureAwait(false),
        };
    }

    private bool IsConnectionFailure(Exception ex, bool timeoutIsFatal) => ex switch
    {
        HostKeyRejectedException => false,
        RemoteHostUnreachableException => false,
        RemoteCommandTimeoutException => !timeoutIsFatal,
        SftpPathNotFoundException or SftpPermissionDeniedException => false,
        SshConnectionException or SshOperationTimeoutException or SocketException or IOException or ObjectDisposedException or TimeoutException => true,
        SshException or InvalidOperationException => ssh is not { IsConnected: true } || sftp is { IsConnected: false },
        _ => false,
    };

    private void DropClients()
    {
        // Dispose never throws on a dead socket in SSH.NET, but a failing Disconnect must not mask the original error.
        try
        {
            ssh?.Dispose();
        }
        catch (Exception ex)
        {
            log.Debug(ex, "ignored error while closing ssh client");
        }

        try
        {
            sftp?.Dispose();
        }
        catch (Exception ex)
        {
            log.Debug(ex, "ignored error while closing sftp client");
        }

        ssh = null;
        sftp = null;
    }
}
