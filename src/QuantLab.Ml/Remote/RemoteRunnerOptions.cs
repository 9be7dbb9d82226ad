using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>How the SSH runner behaves on the remote host (bound from the Remote configuration section; validated once).</summary>
public sealed record RemoteRunnerOptions
{
    /// <summary>Interpreter used to check and, if needed, bootstrap the trainer environment on the host.</summary>
    public string Python { get; set; } = "python3";

    /// <summary>Folder holding jobs/ and envs/ on the host; relative paths are under the login's home folder.</summary>
    public string Root { get; set; } = "quantlab-ml";

    /// <summary>Extra arguments for <c>pip install</c> when the host lacks the packages (e.g. --index-url of a mirror).</summary>
    public IReadOnlyList<string> PipArgs { get; set; } = [];

    /// <summary>TCP connect plus SSH handshake timeout of one attempt.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Limit for each short remote command and each SFTP request; a hung connection is treated as dropped.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit for the environment bootstrap (may include a pip install).</summary>
    public TimeSpan BootstrapTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>SSH keep-alive interval, so a dead connection is noticed between polls.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often the runner checks the detached trainer and tails its log. Each check waits on the host up to this long
    /// for the trainer to finish, so a finished trainer is noticed within 0.2 s whatever the interval.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the launcher on the host touches its heartbeat file.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time between SIGTERM and SIGKILL when the runner stops the remote process group.</summary>
    public TimeSpan KillGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Extra time the host-side watchdog allows beyond the max runtime before it kills the trainer by itself,
    /// so a trainer is stopped even when quantlab-ml has lost the host for good.
    /// </summary>
    public TimeSpan RemoteWatchdogGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>When set, replaces the job's max_runtime_minutes (tests use seconds; operators may cap it).</summary>
    public TimeSpan? MaxRuntime { get; set; }

    /// <summary>Time allowed for killing the remote trainer and collecting logs after a cancellation or failure.</summary>
    public TimeSpan CleanupBudget { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Job folders on the host untouched for longer than this are deleted at the start of a run; null keeps them.</summary>
    public TimeSpan? CleanJobsOlderThan { get; set; }

    /// <summary>Bytes of trainer log fetched per poll; the full log is downloaded at the end anyway.</summary>
    public int LogChunkBytes { get; set; } = 64 * 1024;

    public SshResilienceOptions Resilience { get; set; } = new();

    public const string Section = "Remote";

    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Remote"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.That(!string.IsNullOrWhiteSpace(Python) && !HasControl(Python), nameof(Python), Python, "an interpreter name or path");
        r.That(!string.IsNullOrWhiteSpace(Root) && !HasControl(Root), nameof(Root), Root, "a folder path without control characters");
        r.That(PipArgs is not null && PipArgs.All(a => a is not null && !a.Contains('\0', StringComparison.Ordinal)), nameof(PipArgs), PipArgs is null ? null : string.Join(' ', PipArgs), "arguments without NUL characters");
        r.Positive(nameof(ConnectTimeout), ConnectTimeout, TimeSpan.FromMinutes(10));
        r.Positive(nameof(OperationTimeout), OperationTimeout, TimeSpan.FromHours(1));
        r.Positive(nameof(BootstrapTimeout), BootstrapTimeout, TimeSpan.FromHours(2));
        r.Positive(nameof(KeepAliveInterval), KeepAliveInterval, TimeSpan.FromMinutes(10));
        r.Positive(nameof(PollInterval), PollInterval, TimeSpan.FromMinutes(10));

        // A status poll waits on the host for up to PollInterval (rounded up to whole seconds) before it answers.
        r.Rule(TimeSpan.FromSeconds(Math.Ceiling(PollInterval.TotalSeconds)) + TimeSpan.FromSeconds(5) <= OperationTimeout,
            $"PollInterval = {PollInterval}: must be at least 5 s shorter than Remote:OperationTimeout ({OperationTimeout})");
        r.Duration(nameof(HeartbeatInterval), HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        r.Duration(nameof(KillGrace), KillGrace, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        r.Duration(nameof(RemoteWatchdogGrace), RemoteWatchdogGrace, TimeSpan.Zero, TimeSpan.FromHours(2));
        r.Duration(nameof(MaxRuntime), MaxRuntime, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        r.Positive(nameof(CleanupBudget), CleanupBudget, TimeSpan.FromHours(1));
        r.Duration(nameof(CleanJobsOlderThan), CleanJobsOlderThan, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650));
        r.Whole(nameof(LogChunkBytes), LogChunkBytes, 1024, 16 * 1024 * 1024, "bytes");
        if (Resilience is null)
        {
            r.Rule(false, "Resilience must not be empty");
        }
        else
        {
            Resilience.Rules(r.Section(nameof(Resilience)));
        }
    }

    private static bool HasControl(string value) => value.Any(char.IsControl);
}
