namespace QuantLab.Ml.Remote;

/// <summary>A host to run a job on: where to log in, with which key, and which host keys to trust. Nothing provider-specific.</summary>
public sealed record RemoteTarget
{
    public required SshEndpoint Endpoint { get; init; }
    public required SshPrivateKey Key { get; init; }

    /// <summary>Use a new <see cref="HostKeyPolicy.PinFirstSeen"/> per run, or a known_hosts policy for a fixed host.</summary>
    public required HostKeyPolicy HostKeys { get; init; }

    /// <summary>How the run record names the machine, e.g. "ssh root@gpu-box:22" or "vast 12345 RTX 4090".</summary>
    public string? MachineName { get; init; }

    internal string Machine => MachineName ?? "ssh " + Endpoint;
}
