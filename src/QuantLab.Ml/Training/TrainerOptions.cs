using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training;

/// <summary>Where the Python trainer lives locally and which interpreter runs it (section "Trainer").</summary>
public sealed record TrainerOptions
{
    /// <summary>Interpreter for the local provider; it must import xgboost and numpy.</summary>
    public string Python { get; set; } = "python3";

    /// <summary>Folder holding quantlab_trainer/ and requirements.txt; null = the copy shipped beside the executable.</summary>
    public string? PackageDir { get; set; }

    /// <summary>The allowed values (section "Trainer"); whether the folder holds the trainer is checked where it is used.</summary>
    internal void Rules(ConfigRules r) =>
        r.That(!string.IsNullOrWhiteSpace(Python) && !Python.Any(char.IsControl), nameof(Python), Python, "an interpreter name or path");

    /// <summary>The effective package folder, checked to contain the trainer.</summary>
    public string ResolvePackageDir()
    {
        var dir = PackageDir ?? Path.Combine(AppContext.BaseDirectory, "trainer");
        if (!File.Exists(Path.Combine(dir, "quantlab_trainer", "__main__.py")))
        {
            throw new Common.UsageException($"no Python trainer at {dir}/quantlab_trainer (set Trainer:PackageDir)");
        }

        return Path.GetFullPath(dir);
    }
}
