using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training.Providers;

/// <summary>How the vast provider rents (section "Rental"): image, retries and time budgets.</summary>
public sealed record VastProviderOptions
{
    /// <summary>A CUDA runtime image with Python 3 and pip (the trainer pip-installs xgboost there when missing).</summary>
    public string Image { get; set; } = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime";

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
        Check(!string.IsNullOrWhiteSpace(SshUser) && SshUser.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'), "SshUser must be a plain login name");
        return this;
    }
}
