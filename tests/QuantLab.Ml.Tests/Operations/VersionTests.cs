using QuantLab.Ml.Cli;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

[Trait("Category", "Unit")]
public sealed class VersionTests : IDisposable
{
    private readonly TempDir temp = new();

    [Fact]
    public async Task Version_prints_the_version_and_the_commit_it_was_built_from()
    {
        var result = await new CliRunner(temp.Path).RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Matches(@"^quantlab-ml \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{12}|unknown)\)\n?$", result.Stdout.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("0.1.0+d4b01d1ce4d6ae647048fca24b007bcf762debc8", "0.1.0", "d4b01d1ce4d6")]
    [InlineData("0.1.0+abc1234", "0.1.0", "abc1234")]
    [InlineData("0.1.0", "0.1.0", "unknown")]
    [InlineData(null, "unknown", "unknown")]
    public void The_informational_version_splits_into_version_and_short_commit(string? informational, string version, string commit) =>
        Assert.Equal(new BuildInfo(version, commit), BuildInfo.Parse(informational));

    public void Dispose() => temp.Dispose();
}
