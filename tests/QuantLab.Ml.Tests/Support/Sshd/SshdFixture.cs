using System.Globalization;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Tests.Support.Sshd;

/// <summary>
/// The loopback OpenSSH server that scripts/test.sh starts (QUANTLAB_TEST_SSH_* variables). Without those variables every
/// integration test of the collection fails with a message saying to run scripts/test.sh; they never pass silently.
/// </summary>
public sealed class SshdFixture
{
    public SshdFixture()
    {
        Host = Require("QUANTLAB_TEST_SSH_HOST");
        Port = int.Parse(Require("QUANTLAB_TEST_SSH_PORT"), CultureInfo.InvariantCulture);
        User = Require("QUANTLAB_TEST_SSH_USER");
        KeyFile = Require("QUANTLAB_TEST_SSH_KEY");
        HostKeyPubFile = Require("QUANTLAB_TEST_SSH_HOST_KEY_PUB");
        SshdPidFile = Require("QUANTLAB_TEST_SSHD_PIDFILE");
        Python = Require("QUANTLAB_TEST_PYTHON");
        RepoRoot = Require("QUANTLAB_TEST_REPO_ROOT");
    }

    public string Host { get; }
    public int Port { get; }
    public string User { get; }
    public string KeyFile { get; }
    public string HostKeyPubFile { get; }
    public string SshdPidFile { get; }

    /// <summary>An interpreter with numpy and xgboost (the python3 on the sshd login's PATH has neither).</summary>
    public string Python { get; }
    public string RepoRoot { get; }

    public SshEndpoint Endpoint => SshEndpoint.Create(Host, Port, User);

    public RemoteTarget Target(HostKeyPolicy? hostKeys = null, SshEndpoint? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Endpoint,
        Key = SshPrivateKey.FromFile(KeyFile),
        HostKeys = hostKeys ?? HostKeyPolicy.PinFirstSeen(),
    };

    /// <summary>The server's host key line ("ssh-ed25519 AAAA… comment").</summary>
    public string HostKeyLine => File.ReadAllText(HostKeyPubFile).Trim();

    /// <summary>
    /// Simulates a network drop: kills the per-connection sshd children of the listening daemon (never the listener),
    /// which closes every SSH connection currently open to it. Returns how many were killed.
    /// </summary>
    public async Task<int> DropConnectionsAsync(CancellationToken ct)
    {
        var listener = File.ReadAllText(SshdPidFile).Trim();
        var children = await Proc.RunAsync("pgrep", ["-P", listener], ct);
        var pids = children.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pid in pids)
        {
            await Proc.RunAsync("kill", ["-KILL", pid], ct);
        }

        return pids.Length;
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"integration tests need the loopback sshd and trainer Python: {name} is not set. Run scripts/test.sh, which starts sshd and exports QUANTLAB_TEST_SSH_*, QUANTLAB_TEST_PYTHON and QUANTLAB_TEST_REPO_ROOT.");
}

/// <summary>Integration tests that talk to the loopback sshd run one at a time: some of them cut every connection to it.</summary>
[CollectionDefinition("sshd")]
public sealed class SshdTests : ICollectionFixture<SshdFixture>;
