using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>`config check` reaches S3 roots for real: a reachable bucket passes, a missing one fails the check.</summary>
[Collection("s3")]
[Trait("Category", "Integration")]
public sealed class ConfigCheckS3Tests(S3Fixture s3) : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner Cli()
    {
        var cli = new CliRunner(temp.Path);
        foreach (var (key, value) in s3.Environment)
        {
            cli.Environment[key] = value;
        }

        cli.Environment["QUANTLAB_S3__ServiceUrl"] = s3.Url;
        cli.Environment["QUANTLAB_WorkDir"] = temp.Combine("work");
        return cli;
    }

    private static JsonElement Check(CliResult result, string name)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).Clone();
    }

    [Fact]
    public async Task A_reachable_bucket_passes_and_a_missing_one_fails_the_check()
    {
        var good = await Cli().RunAsync("config", "check", "--store", $"s3://{s3.Bucket}/ml", "--data", $"s3://{s3.Bucket}/compact", "--json");
        Assert.Equal("ok", Check(good, "store root (s3)").GetProperty("status").GetString());
        Assert.Equal("warn", Check(good, "data root (s3)").GetProperty("status").GetString());

        var missing = await Cli().RunAsync("config", "check", "--store", "s3://no-such-bucket-ql-0001/ml", "--json");
        Assert.Equal(ExitCodes.Failed, missing.ExitCode);
        Assert.Equal("fail", Check(missing, "store root (s3)").GetProperty("status").GetString());
    }

    public void Dispose() => temp.Dispose();
}
