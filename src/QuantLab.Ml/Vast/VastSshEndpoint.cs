using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>Where to open SSH to an instance.</summary>
public sealed record VastSshEndpoint
{
    public required string Host { get; init; }
    public required int Port { get; init; }

    /// <summary>Direct (public_ipaddr + mapped 22/tcp) or through Vast's proxy (ssh_host + ssh_port).</summary>
    public required SshRoute Route { get; init; }

    public override string ToString() => $"{Host}:{Port} ({Route.ToString().ToLowerInvariant()})";
}

/// <summary>How an <see cref="VastSshEndpoint"/> reaches the instance.</summary>
[JsonConverter(typeof(SnakeCaseNames<SshRoute>))]
public enum SshRoute
{
    Direct,
    Proxy,
}
