using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>Where the runner logs in: host, port and user, validated once.</summary>
public sealed partial record SshEndpoint
{
    [GeneratedRegex("^(?=.{1,253}\\z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();

    private SshEndpoint(string host, int port, string user)
    {
        Host = host;
        Port = port;
        User = user;
    }

    public string Host { get; }
    public int Port { get; }
    public string User { get; }

    /// <summary>Validates host (DNS name or IP address), port (1–65535) and user (a POSIX login name).</summary>
    public static SshEndpoint Create(string? host, int port, string? user)
    {
        var h = (host ?? string.Empty).Trim();
        if (!HostName().IsMatch(h) && !IPAddress.TryParse(h, out _))
        {
            throw new UsageException($"invalid ssh host '{SymbolName.Printable(host)}': expected a host name or IP address");
        }

        if (port is < 1 or > 65535)
        {
            throw new UsageException($"invalid ssh port {port}: expected 1-65535");
        }

        var u = (user ?? string.Empty).Trim();
        if (!UserName().IsMatch(u))
        {
            throw new UsageException($"invalid ssh user '{SymbolName.Printable(user)}': expected a login name of letters, digits, '_', '.' or '-'");
        }

        return new SshEndpoint(h, port, u);
    }

    /// <summary>The name known_hosts uses for this endpoint: host for port 22, [host]:port otherwise.</summary>
    public string KnownHostsName => Port == 22 ? Host : string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{User}@{Host}:{Port}");
}
