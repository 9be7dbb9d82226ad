using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace QuantLab.Ml.Tests.Support.Sshd;

/// <summary>
/// A second, throw-away sshd on 127.0.0.1 with its own new host key (for host-key changes and readiness tests).
/// Same settings as scripts/lib/services.sh; accepts the test client key once <see cref="AuthorizeAsync"/> is called.
/// </summary>
public sealed class ExtraSshd : IAsyncDisposable
{
    private readonly string dir;
    private readonly string clientPublicKey;

    private ExtraSshd(string dir, int port, string clientPublicKey)
    {
        this.dir = dir;
        Port = port;
        this.clientPublicKey = clientPublicKey;
    }

    public int Port { get; }

    public string HostKeyPubFile => Path.Combine(dir, "host_key.pub");

    public string HostKeyLine => File.ReadAllText(HostKeyPubFile).Trim();

    /// <summary>Prepares config and a fresh host key; the daemon starts with <see cref="StartAsync"/>.</summary>
    public static async Task<ExtraSshd> CreateAsync(SshdFixture main, bool authorized, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("quantlab-extra-sshd-").FullName;
        await Proc.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", Path.Combine(dir, "host_key")], ct);
        var pub = (await File.ReadAllTextAsync(main.KeyFile + ".pub", ct)).Trim();
        var sshd = new ExtraSshd(dir, FreePort(), pub);
        await File.WriteAllTextAsync(Path.Combine(dir, "authorized_keys"), authorized ? pub + "\n" : string.Empty, ct);
        var config = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            Port {sshd.Port}
            ListenAddress 127.0.0.1
            HostKey {dir}/host_key
            PidFile {dir}/sshd.pid
            AuthorizedKeysFile {dir}/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            Subsystem sftp internal-sftp
            LogLevel ERROR

            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "sshd_config"), config, ct);
        return sshd;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        await Proc.RunCheckedAsync("/usr/sbin/sshd", ["-f", Path.Combine(dir, "sshd_config"), "-E", Path.Combine(dir, "sshd.log")], ct);
        for (var i = 0; i < 100 && !Listening(); i++)
        {
            await Task.Delay(50, ct);
        }
    }

    public Task AuthorizeAsync(CancellationToken ct) => File.WriteAllTextAsync(Path.Combine(dir, "authorized_keys"), clientPublicKey + "\n", ct);

    public async ValueTask DisposeAsync()
    {
        var pidFile = Path.Combine(dir, "sshd.pid");
        if (File.Exists(pidFile))
        {
            var pid = (await File.ReadAllTextAsync(pidFile)).Trim();
            await Proc.RunAsync("kill", [pid], CancellationToken.None);
            var listener = await Proc.RunAsync("pgrep", ["-P", pid], CancellationToken.None);
            foreach (var child in listener.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await Proc.RunAsync("kill", [child], CancellationToken.None);
            }
        }

        Directory.Delete(dir, recursive: true);
    }

    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private bool Listening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
