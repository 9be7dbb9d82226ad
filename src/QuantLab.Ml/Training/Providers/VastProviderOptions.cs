using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training.Providers;

/// <summary>How the vast provider rents (section "Rental"): image, retries and time budgets.</summary>
public sealed record VastProviderOptions
{
    /// <summary>
    /// A CUDA 12 runtime image with Python 3 and pip. The default keeps Python 3.11 in /opt/conda/bin (on PATH only through
    /// Docker's ENV, so not in an SSH session: the bootstrap falls back to /opt/conda/bin/python3) and has no curl; the
    /// pinned trainer requirements are pip-installed there once per machine (docs/vast.md).
    /// </summary>
    public string Image { get; set; } = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime";

    /// <summary>
    /// Requirements file of the trainer package used on rented machines: exact pins (one XGBoost with CUDA 12 wheels and
    /// its NumPy/SciPy), so every night trains with the same, proven versions. Tests on a CPU box set requirements.txt.
    /// </summary>
    public string Requirements { get; set; } = "requirements-vast.txt";

    /// <summary>Tries to attach the SSH keys once the instance runs (Vast may refuse while it is still loading).</summary>
    public int KeyAttachAttempts { get; set; } = 6;

    /// <summary>Pause between two key attach attempts.</summary>
    public TimeSpan KeyAttachRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Login on the rented machine.</summary>
    public string SshUser { get; set; } = "root";

    /// <summary>Instances to try (each on another machine) before giving up.</summary>
    public int MaxInstanceAttempts { get; set; } = 5;

    /// <summary>Time to get a usable machine, all tries included.</summary>
    public TimeSpan ProvisioningBudget { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Time one instance gets to reach running; then it is destroyed and its machine excluded.</summary>
    public TimeSpan RunningDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Boot and bootstrap time assumed by the dry-run cost estimate.</summary>
    public TimeSpan ExpectedBoot { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Training time assumed by the dry-run cost estimate.</summary>
    public TimeSpan ExpectedTraining { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Time a destroy (with its retries) may take after the run is over or cancelled.</summary>
    public TimeSpan DestroyBudget { get; set; } = TimeSpan.FromMinutes(2);

    public static VastProviderOptions FromConfiguration(IConfiguration configuration)
    {
        try
        {
            return (configuration.GetSection("Rental").Get<VastProviderOptions>() ?? new VastProviderOptions()).Validate();
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException("invalid Rental configuration: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }
    }

    public VastProviderOptions Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new UsageException("Rental: " + message);
            }
        }

        Check(MaxInstanceAttempts is >= 1 and <= 25, "MaxInstanceAttempts must be 1..25");
        Check(ProvisioningBudget > TimeSpan.Zero && RunningDeadline > TimeSpan.Zero && DestroyBudget > TimeSpan.Zero, "time budgets must be positive");
        Check(!string.IsNullOrWhiteSpace(Requirements) && Requirements == Path.GetFileName(Requirements), "Requirements must be a file name in the trainer package folder");
        Check(KeyAttachAttempts is >= 1 and <= 50 && KeyAttachRetryDelay >= TimeSpan.Zero, "KeyAttachAttempts must be 1..50 and KeyAttachRetryDelay not negative");
        Check(!string.IsNullOrWhiteSpace(SshUser) && SshUser.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'), "SshUser must be a plain login name");
        return this;
    }
}
