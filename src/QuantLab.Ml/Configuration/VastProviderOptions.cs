using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

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

    /// <summary>Boot and bootstrap time the night plan assumes per instance (its set-up, in the dry run's cost too).</summary>
    public TimeSpan ExpectedBoot { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Time a destroy (with its retries) may take after the run is over or cancelled.</summary>
    public TimeSpan DestroyBudget { get; set; } = TimeSpan.FromMinutes(2);

    public const string Section = "Rental";

    public VastProviderOptions Validate()
    {
        ConfigRules.Require(Section, Rules);
        return this;
    }

    /// <summary>The allowed values (section "Rental"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.That(!string.IsNullOrWhiteSpace(Image) && Image.Length <= 1024 && !Image.Any(char.IsWhiteSpace), nameof(Image), Image, "a container image name without spaces");
        r.That(!string.IsNullOrWhiteSpace(SshUser) && SshUser.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'), nameof(SshUser), SshUser, "a plain login name");
        r.Whole(nameof(MaxInstanceAttempts), MaxInstanceAttempts, 1, 25);
        r.That(!string.IsNullOrWhiteSpace(Requirements) && Requirements == Path.GetFileName(Requirements), nameof(Requirements), Requirements, "a file name in the trainer package folder");
        r.Whole(nameof(KeyAttachAttempts), KeyAttachAttempts, 1, 50);
        r.Duration(nameof(KeyAttachRetryDelay), KeyAttachRetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        r.Positive(nameof(ProvisioningBudget), ProvisioningBudget, TimeSpan.FromHours(2));
        r.Positive(nameof(RunningDeadline), RunningDeadline, TimeSpan.FromHours(1));
        r.Positive(nameof(ExpectedBoot), ExpectedBoot, TimeSpan.FromHours(2));
        r.Positive(nameof(DestroyBudget), DestroyBudget, TimeSpan.FromHours(1));
    }
}
