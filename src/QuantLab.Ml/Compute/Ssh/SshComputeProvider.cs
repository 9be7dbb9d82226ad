using QuantLab.Ml.Configuration;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Compute.Ssh;

/// <summary>The ssh provider: runs the trainer on one fixed host through <see cref="RemoteJobRunner"/>; outputs land where the local provider puts them.</summary>
public sealed class SshComputeProvider : IBatchComputeProvider
{
    private readonly SshProviderOptions options;
    private readonly TrainerPackage package;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly SshEndpoint endpoint;

    /// <summary>Validates the options and reads the key once, so a bad host, key or passphrase fails before any data is built.</summary>
    public SshComputeProvider(SshProviderOptions options, TrainerPackage package, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(package);
        options.Validate();
        endpoint = SshEndpoint.Create(options.Host, options.Port, options.User);
        using (SshPrivateKey.FromFile(options.KeyFile, options.Passphrase()))
        {
        }

        if (options.KnownHostsFile is { } knownHosts)
        {
            _ = HostKeyPolicy.FromKnownHostsFile(knownHosts);
        }

        this.options = options;
        this.package = package;
        this.time = time;
        this.log = log.ForContext<SshComputeProvider>();
    }

    public ComputeProviderKind Kind => ComputeProviderKind.Ssh;

    public int MaxMachines => 1;

    /// <summary>The host is already there and paid for: no $/h, only a connection and a bootstrap check to set up.</summary>
    public Task<MachinePrice> PriceAsync(CancellationToken ct) =>
        Task.FromResult(new MachinePrice { DollarsPerHour = 0, Setup = TimeSpan.FromSeconds(5), Note = $"own host {endpoint}: no rental cost" });

    /// <summary>The jobs one after another on the one host, over one connection and one bootstrap (a single symbol: a batch of one).</summary>
    public async Task<IReadOnlyList<JobOutcome>> RunBatchAsync(BatchRequest batch, Func<JobOutcome, Task> onOutcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var key = SshPrivateKey.FromFile(options.KeyFile, options.Passphrase());
        return await Runner().RunBatchAsync(Target(key), batch.Jobs, onOutcome, ct).ConfigureAwait(false);
    }

    private RemoteJobRunner Runner() => new(package, options.Remote with
    {
        CleanJobsOlderThan = options.CleanJobsOlderThanDays > 0 ? TimeSpan.FromDays(options.CleanJobsOlderThanDays) : null,
    }, time, log);

    private RemoteTarget Target(SshPrivateKey key)
    {
        HostKeyPolicy hostKeys;
        if (options.KnownHostsFile is { } knownHosts)
        {
            hostKeys = HostKeyPolicy.FromKnownHostsFile(knownHosts);
        }
        else
        {
            // A fresh pin per run: the first key seen is trusted, and any other key later in the run aborts it.
            hostKeys = HostKeyPolicy.PinFirstSeen();
            log.Warning("no known_hosts file configured for {Endpoint} (--known-hosts / Ssh:KnownHostsFile); trusting the first host key seen in this run", endpoint.ToString());
        }

        return new RemoteTarget { Endpoint = endpoint, Key = key, HostKeys = hostKeys, MachineName = "ssh " + endpoint };
    }
}
