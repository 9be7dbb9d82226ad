using QuantLab.Ml.Configuration;
using Serilog;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>
/// One thing `config check` tests (a folder, the interpreter, a key file, a remote API). Probes are a list the CLI builds, so
/// parts written later (the Vast key, S3 buckets) add theirs without touching the checker.
/// </summary>
public interface IConfigProbe
{
    /// <summary>Runs the check; may return several results (one per file, bucket…). Exceptions become a failed result.</summary>
    Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct);
}

/// <summary>What a probe may look at: the validated configuration, the environment, a clock and the log.</summary>
public sealed record ConfigProbeContext
{
    public required LoadedConfiguration Config { get; init; }
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }
    public required TimeProvider Time { get; init; }
    public required ILogger Log { get; init; }

    public QuantLabOptions Options => Config.Options;
}
