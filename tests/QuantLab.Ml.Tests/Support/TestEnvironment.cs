namespace QuantLab.Ml.Tests.Support;

/// <summary>What scripts/test.sh exports for integration tests; a test that needs it fails loudly when it is missing.</summary>
public static class TestEnvironment
{
    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run integration tests through scripts/test.sh");

    /// <summary>The interpreter with xgboost and numpy (the repo's .venv over Debian's python3).</summary>
    public static string Python => Require("QUANTLAB_TEST_PYTHON");

    /// <summary>The repository root (for python/, the trainer package).</summary>
    public static string RepoRoot => Require("QUANTLAB_TEST_REPO_ROOT");

    public static string TrainerPackageDir => Path.Combine(RepoRoot, "python");
}
