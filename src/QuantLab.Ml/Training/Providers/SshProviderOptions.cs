using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Training.Providers;

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

    public RemoteRunnerOptions Remote { get; set; } = new();

    /// <summary>Binds the Ssh and Remote sections; call <see cref="Validate"/> after applying command-line overrides.</summary>
    public static SshProviderOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        try
        {
            var ssh = configuration.GetSection("Ssh").Get<SshProviderOptions>() ?? new SshProviderOptions();
            var remote = configuration.GetSection("Remote").Get<RemoteRunnerOptions>() ?? new RemoteRunnerOptions();
            return ssh with { Remote = remote };
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException("invalid Ssh/Remote configuration: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }
    }

    /// <summary>Checks every value once at start-up with messages that say which setting to fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new UsageException("ssh provider: no host given (--host or Ssh:Host)");
        }

        if (string.IsNullOrWhiteSpace(User))
        {
            throw new UsageException("ssh provider: no user given (--user or Ssh:User)");
        }

        if (string.IsNullOrWhiteSpace(KeyFile))
        {
            throw new UsageException("ssh provider: no private key given (--key or Ssh:KeyFile)");
        }

        _ = SshEndpoint.Create(Host, Port, User);
        if (string.IsNullOrWhiteSpace(KeyPassphraseEnv))
        {
            throw new UsageException("ssh provider: Ssh:KeyPassphraseEnv must name an environment variable");
        }

        if (CleanJobsOlderThanDays < 0 || double.IsNaN(CleanJobsOlderThanDays))
        {
            throw new UsageException("ssh provider: Ssh:CleanJobsOlderThanDays must be 0 (keep) or a positive number of days");
        }

        Remote.Validate();
    }

    internal Secret? Passphrase() =>
        Environment.GetEnvironmentVariable(KeyPassphraseEnv) is { Length: > 0 } value ? new Secret(value) : null;
}
