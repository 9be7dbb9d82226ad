using System.Globalization;
using System.Net.Sockets;
using Renci.SshNet.Common;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>
/// The SSH session to one host for one run or batch: connects, runs short idempotent commands with reconnects, and
/// turns whatever SSH.NET or the network threw into one line naming the step.
/// </summary>
internal sealed class RemoteSession : IDisposable
{
    private readonly RemoteRunnerOptions options;

    public RemoteSession(RemoteTarget target, RemoteRunnerOptions options, TimeProvider time, ILogger log)
    {
        Target = target;
        this.options = options;
        Log = log;
        Connection = new SshConnection(target, options, time, log);
    }

    public RemoteTarget Target { get; }

    public SshConnection Connection { get; }

    /// <summary>The session's log: the machine's, and the job's for a single run.</summary>
    public ILogger Log { get; }

    public SshEndpoint Endpoint => Connection.Endpoint;

    public async Task ConnectAsync(CancellationToken ct)
    {
        try
        {
            Log.Information("connecting to {Endpoint} (host keys: {HostKeyPolicy})", Target.Endpoint.ToString(), Target.HostKeys.Description);
            await Connection.OpenAsync(ct).ConfigureAwait(false);
            Log.Information("ssh ready on {Endpoint}, host key {HostKeyFingerprint}", Target.Endpoint.ToString(), Target.HostKeys.TrustedFingerprint);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw TransportFailure("connect", ex);
        }
    }

    public static bool IsTransportFailure(Exception ex) => ex is SshException or SocketException or IOException or TimeoutException or ObjectDisposedException;

    /// <summary>Whatever SSH.NET or the network threw after retries were exhausted, as one line for the operator.</summary>
    public RemoteCommandException TransportFailure(string step, Exception ex) =>
        new($"ssh to {Target.Endpoint} failed during {step}: {SshResilience.Describe(ex)}", ex);

    /// <summary>Runs a short idempotent command with reconnects and fails on a non-zero exit.</summary>
    public async Task<RemoteCommandResult> RunCheckedAsync(string what, string command, CancellationToken ct)
    {
        var result = await RunAsync(what, command, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new RemoteCommandException($"{what} on {Connection.Endpoint} failed (exit {FormatExit(result.ExitCode)}): {result.LastErrorLine}");
        }

        return result;
    }

    /// <summary>Runs a short idempotent command with reconnects, whatever its exit code.</summary>
    public Task<RemoteCommandResult> RunAsync(string what, string command, CancellationToken ct) =>
        Connection.WithReconnectAsync(what, token => Connection.RunAsync(command, options.OperationTimeout, token), ct);

    /// <summary>The last line of a file on the host, for an error message.</summary>
    public async Task<string> ReadLastLineAsync(string path, CancellationToken ct)
    {
        var result = await RunAsync("read " + path, ShellQuote.Script(Scripts.RemoteScripts.Cat, path), ct).ConfigureAwait(false);
        return RemoteOutputParser.LastLine(result.StdoutText);
    }

    /// <summary>A command's exit code for a message; null is a command ended by a signal.</summary>
    public static string FormatExit(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "signal";

    public void Dispose() => Connection.Dispose();
}

/// <summary>One job on the host it runs on: the session, the job, its runtime limit and its log (with its JobId).</summary>
internal sealed record HostedJob(RemoteSession Session, Training.TrainingJob Job, TimeSpan MaxRuntime, ILogger Log)
{
    public string JobId => Job.Spec.JobId;

    public SshConnection Connection => Session.Connection;
}
