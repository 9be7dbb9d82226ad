namespace QuantLab.Ml.Remote;

/// <summary>What the host's environment bootstrap found and did (from bootstrap.py); goes into remote.json.</summary>
public sealed record BootstrapReport
{
    /// <summary>Interpreter the trainer runs with (the configured one, or the venv's when pip had to install).</summary>
    public required string Python { get; init; }
    public required string PythonVersion { get; init; }

    /// <summary>Remote:Python as configured; null from an older bootstrap.</summary>
    public string? PythonConfigured { get; init; }

    /// <summary>The interpreter the bootstrap itself ran with: the configured one, or the first fallback that exists (e.g. /opt/conda/bin/python3).</summary>
    public string? PythonResolved { get; init; }

    /// <summary>The requirements as shipped (e.g. the exact pins of requirements-vast.txt), "name==version" per entry.</summary>
    public IReadOnlyList<string>? Requirements { get; init; }

    /// <summary>Installed versions of the packages named in requirements.txt (lower-case names).</summary>
    public required IReadOnlyDictionary<string, string> Packages { get; init; }
    public required string RequirementsSha256 { get; init; }

    /// <summary>True only when this job ran pip; false when the host already had every requirement (or a venv from an earlier job had).</summary>
    public required bool PipInstalled { get; init; }
    public string? Venv { get; init; }

    /// <summary>Whether nvidia-smi exists on the host, and the GPUs it listed ("name, memory, driver").</summary>
    public required bool NvidiaSmi { get; init; }
    public required IReadOnlyList<string> Gpus { get; init; }
    public string? Platform { get; init; }
}
