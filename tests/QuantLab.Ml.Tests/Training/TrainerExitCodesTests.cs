using System.Text.RegularExpressions;
using QuantLab.Ml.Tests.Operations;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Training;

[Trait("Category", "Unit")]
public sealed partial class TrainerExitCodesTests
{
    [Fact]
    public void The_table_holds_exactly_the_exit_codes_the_python_trainer_declares()
    {
        // errors.py is the source of truth: a code added or renumbered there must show up here, or the CLI would explain it wrongly.
        var declared = File.ReadLines(OpsTestKit.RepoFile("python", "quantlab_trainer", "errors.py"))
            .Select(line => ExitConstant().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

        Assert.NotEmpty(declared);
        Assert.Equal(declared.OrderBy(d => d.Key, StringComparer.Ordinal), TrainerExitCodes.Declared.OrderBy(d => d.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(2, "bad input", "the trainer rejected its input (exit 2)")]
    [InlineData(3, "no usable GPU for device cuda", "no usable GPU for device cuda (exit 3)")]
    [InlineData(1, "failed with exit code 1", "the trainer failed (exit 1)")]
    [InlineData(137, "killed (out of memory?)", "the trainer was killed by signal 9")]
    public void Local_and_remote_runs_explain_an_exit_code_from_the_same_table(int code, string local, string remote)
    {
        Assert.Equal(local, TrainerExitCodes.Describe(code));
        Assert.Equal(remote, TrainerExitCodes.DescribeRemote(code));
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(124, true)]
    [InlineData(3, false)]
    [InlineData(null, false)]
    public void The_trainer_s_own_limit_and_the_launcher_s_watchdog_both_count_as_runtime_exceeded(int? code, bool exceeded) =>
        Assert.Equal(exceeded, TrainerExitCodes.IsRuntimeExceeded(code));

    [GeneratedRegex(@"^(EXIT_[A-Z_]+)\s*=\s*(\d+)\s*$")]
    private static partial Regex ExitConstant();
}
