using System.CommandLine;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>Flags of the ssh provider (a GPU box you own); each maps to a key of the "Ssh" configuration section.</summary>
internal static class SshOptions
{
    public static readonly Option<string?> Host = new("--host") { Description = "ssh provider: host name or address" };
    public static readonly Option<int?> Port = new("--port") { Description = "ssh provider: port (default 22)" };
    public static readonly Option<string?> User = new("--user") { Description = "ssh provider: user" };
    public static readonly Option<string?> Key = new("--key") { Description = "ssh provider: private key file" };
    public static readonly Option<string?> KnownHosts = new("--known-hosts") { Description = "ssh provider: OpenSSH known_hosts file pinning the host key" };

    public static IReadOnlyList<Option> All => [Host, Port, User, Key, KnownHosts];

    public static (Option, string)[] Flags =>
        [(Host, "Ssh:Host"), (Port, "Ssh:Port"), (User, "Ssh:User"), (Key, "Ssh:KeyFile"), (KnownHosts, "Ssh:KnownHostsFile")];
}
