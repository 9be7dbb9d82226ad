
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

    public const string Section = "Rental";

    public VastProviderOptions Validate()
    {
        Configuration.ConfigRules.Require(Section, Rules);
        return this;
    }

    /// <summary>The allowed values (section "Rental"); one line per key.</summary>
    internal void Rules(Configuration.ConfigRules r)
    {
        r.That(!string.IsNullOrWhiteSpace(Image) && Image.Length <= 1024 && !Image.Any(char.IsWhiteSpace), nameof(Image), Image, "a container image name without spaces");
        r.That(!string.IsNullOrWhiteSpace(SshUser) && SshUser.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'), nameof(SshUser), SshUser, "a plain login name");
        r.Whole(nameof(MaxInstanceAttempts), MaxInstanceAttempts, 1, 25);
        r.Positive(nameof(ProvisioningBudget), ProvisioningBudget, TimeSpan.FromHours(2));
        r.Positive(nameof(RunningDeadline), RunningDeadline, TimeSpan.FromHours(1));
        r.Positive(nameof(ExpectedBoot), ExpectedBoot, TimeSpan.FromHours(2));
        r.Positive(nameof(ExpectedTraining), ExpectedTraining, TimeSpan.FromHours(24));
        r.Positive(nameof(DestroyBudget), DestroyBudget, TimeSpan.FromHours(1));
    }
}
