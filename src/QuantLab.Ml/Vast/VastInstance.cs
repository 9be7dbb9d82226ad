using System.Globalization;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Vast;

/// <summary>One instance as the v0 GET and the v1 list return it (only the fields we use).</summary>
public sealed record VastInstance
{
    public required long Id { get; init; }

    /// <summary>null while provisioning, then created, loading, running, or a failure state (see <see cref="VastStatus"/>).</summary>
    public string? ActualStatus { get; init; }
    public string? IntendedStatus { get; init; }
    public string? CurState { get; init; }
    public string? NextState { get; init; }
    public string? StatusMsg { get; init; }
    public string? Label { get; init; }

    /// <summary>Creation time, Unix seconds (fractional).</summary>
    public double? StartDate { get; init; }
    public string? SshHost { get; init; }
    public int? SshPort { get; init; }
    public string? PublicIpaddr { get; init; }

    /// <summary>Docker port map, e.g. "22/tcp" → [{HostIp, HostPort}]; present only while running.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VastPortBinding>?>? Ports { get; init; }
    public string? ImageRuntype { get; init; }
    public string? ImageUuid { get; init; }
    public long? MachineId { get; init; }
    public int? NumGpus { get; init; }
    public string? GpuName { get; init; }
    public double? DphTotal { get; init; }
    public string? Geolocation { get; init; }

    /// <summary>When the instance was created, from <see cref="StartDate"/>.</summary>
    [JsonIgnore]
    public DateTimeOffset? Started => StartDate is { } s && double.IsFinite(s) && s > 0
        ? DateTimeOffset.FromUnixTimeMilliseconds((long)(s * 1000))
        : null;

    /// <summary>
    /// The SSH endpoint as the Vast CLI pairs it: direct (public_ipaddr + the host port mapped to 22/tcp) when that mapping
    /// exists, else the proxy (ssh_host + ssh_port, +1 for jupyter images). Null when neither is known yet.
    /// Never mixes the proxy host with the direct port (SkyPilot's bug).
    /// </summary>
    public VastSshEndpoint? ResolveSsh()
    {
        var ip = PublicIpaddr?.Trim();
        if (!string.IsNullOrEmpty(ip)
            && Ports is not null
            && Ports.TryGetValue("22/tcp", out var bindings)
            && bindings is { Count: > 0 }
            && int.TryParse(bindings[0].HostPort?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var directPort)
            && directPort is > 0 and < 65536)
        {
            return new VastSshEndpoint { Host = ip, Port = directPort, Route = SshRoute.Direct };
        }

        var host = SshHost?.Trim();
        if (!string.IsNullOrEmpty(host) && SshPort is > 0 and < 65535)
        {
            var port = SshPort.Value + (ImageRuntype?.Contains("jupyter", StringComparison.OrdinalIgnoreCase) == true ? 1 : 0);
            return new VastSshEndpoint { Host = host, Port = port, Route = SshRoute.Proxy };
        }

        return null;
    }
}

/// <summary>One Docker port binding; HostPort is a string in Vast's answers.</summary>
public sealed record VastPortBinding
{
    [JsonPropertyName("HostIp")]
    public string? HostIp { get; init; }

    [JsonPropertyName("HostPort")]
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? HostPort { get; init; }
}

/// <summary>Values of <c>actual_status</c> and which of them can never lead to "running".</summary>
public static class VastStatus
{
    public const string Created = "created";
    public const string Loading = "loading";
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Frozen = "frozen";
    public const string Exited = "exited";
    public const string Unknown = "unknown";
    public const string Offline = "offline";

    /// <summary>Text Docker puts in status_msg when the container cannot start; dstack fails fast on it.</summary>
    public const string OciFailureMarker = "OCI runtime create failed";

    /// <summary>
    /// True when the instance will not become running by itself: exited/unknown/offline (Vast's docs: "destroy and retry"),
    /// stopped/frozen (SkyPilot fails on them too), or an OCI start error.
    /// </summary>
    public static bool IsDead(VastInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.ActualStatus is Exited or Unknown or Offline or Stopped or Frozen
            || instance.StatusMsg?.Contains(OciFailureMarker, StringComparison.OrdinalIgnoreCase) == true
            || (instance.CurState == Stopped && instance.IntendedStatus == Stopped && instance.NextState == Stopped);
    }

    /// <summary>The status as shown to people: null means Vast is still provisioning.</summary>
    public static string Display(string? status) => string.IsNullOrEmpty(status) ? "provisioning" : status;
}

/// <summary>The account behind the API key, from <c>GET /api/v0/users/current/</c>.</summary>
public sealed record VastUser
{
    public long? Id { get; init; }
    public string? Email { get; init; }
    public double? Credit { get; init; }
}
