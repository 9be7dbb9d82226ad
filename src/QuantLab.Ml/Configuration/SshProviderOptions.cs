using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Configuration;

/// <summary>Settings of the ssh provider: the fixed host (section Ssh) and the runner's behaviour on it (section Remote).</summary>
public sealed record SshProviderOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 22;
    public string? User { get; set; }

    /// <summary>Path of the private key file (~/ is expanded).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Name of the environment variable holding the key's passphrase, if the key is encrypted.</summary>
    public string KeyPassphraseEnv { get; set; } = "QUANTLAB_SSH_KEY_PASSPHRASE";

    /// <summary>OpenSSH known_hosts file that must list the host's key; without it the first key seen is pinned for the run.</summary>
    public string? KnownHostsFile { get; set; }

    /// <summary>Job folders on the host older than this many days are deleted at the start of a run; 0 keeps them.</summary>
    public double CleanJobsOlderThanDays { get; set; } = 7;

    /// <summary>The Remote section, attached by the configuration loader; not a key of the Ssh section.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public RemoteRunnerOptions Remote { get; set; } = new();

    public const string Section = "Ssh";

    /// <summary>Checks every value once at start-up with messages that say which setting to fix.</summary>
    public void Validate()
    {
        var r = new ConfigRules();
        RequireHost(r.Section(Section));
        Rules(r.Section(Section));
        Remote.Rules(r.Section(RemoteRunnerOptions.Section));
        r.ThrowIfInvalid();
    }

    /// <summary>What the ssh provider cannot run without (checked with the whole configuration when Provider is ssh).</summary>
    internal void RequireHost(ConfigRules r)
    {
        r.Rule(!string.IsNullOrWhiteSpace(Host), "Host: ssh provider needs a host (--host or Ssh:Host)");
        r.Rule(!string.IsNullOrWhiteSpace(User), "User: ssh provider needs a user (--user or Ssh:User)");
        r.Rule(!string.IsNullOrWhiteSpace(KeyFile), "KeyFile: ssh provider needs a private key (--key or Ssh:KeyFile)");
    }

    /// <summary>The allowed values (section "Ssh"); one line per key. The Remote section has its own.</summary>
    internal void Rules(ConfigRules r)
    {
        if (!string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(User))
        {
            r.Try(() => SshEndpoint.Create(Host, Port, User));
        }

        r.Whole(nameof(Port), Port, 1, 65535);
        r.That(!string.IsNullOrWhiteSpace(KeyPassphraseEnv), nameof(KeyPassphraseEnv), KeyPassphraseEnv, "the name of an environment variable");
        r.Number(nameof(CleanJobsOlderThanDays), CleanJobsOlderThanDays, 0, 3650, unit: "days (0 keeps them)");
    }

    internal Secret? Passphrase() =>
        Environment.GetEnvironmentVariable(KeyPassphraseEnv) is { Length: > 0 } value ? new Secret(value) : null;
}
