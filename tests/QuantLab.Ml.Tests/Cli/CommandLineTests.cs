using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Cli;

[Trait("Category", "Unit")]
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner Cli => new(temp.Path);

    [Fact]
    public async Task Help_documents_the_exit_codes()
    {
        var result = await Cli.RunAsync("run-daily", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3 data not ready", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var result = await Cli.RunAsync("train-everything");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task A_hostile_symbol_is_one_clear_line_and_exit_2()
    {
        var result = await Cli.RunAsync("run-daily", "--symbol", "btc;rm -rf ~", "--dry-run");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: invalid symbol", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_date_is_exit_2()
    {
        var result = await Cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "15/01/2026");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("invalid date", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_config_file_is_exit_2_with_its_path()
    {
        File.WriteAllText(temp.Combine("quantlab-ml.json"), """{ "Device": "tpu" }""");
        var result = await Cli.RunAsync("run-daily", "--dry-run");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Device", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--deadline", "6am", "--deadline")]
    [InlineData("--deadline", "25:00", "--deadline")]
    [InlineData("--instances", "0", "--instances must be 1..64")]
    public async Task A_bad_night_option_is_one_line_and_exit_2_and_nothing_runs(string option, string value, string expected)
    {
        var result = await Cli.RunAsync("run-daily", "--symbol", "btcusdt", "--symbol", "ethusdt", option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine(".quantlab", "runs")) && Directory.EnumerateFiles(temp.Combine(".quantlab", "runs"), "*.npz", SearchOption.AllDirectories).Any());
    }

    public void Dispose() => temp.Dispose();
}
