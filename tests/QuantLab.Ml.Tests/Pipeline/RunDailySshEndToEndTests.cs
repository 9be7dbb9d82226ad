using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>run-daily on a GPU box you own (the loopback sshd) gives the same candidate and decision as on this machine.</summary>
[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class RunDailySshEndToEndTests(SshdFixture sshd) : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner NewCli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_Remote__Python"] = sshd.Python;
        cli.Environment["QUANTLAB_Remote__Root"] = temp.Combine("remote-root");
        return cli;
    }

    [Fact]
    public async Task The_ssh_provider_produces_the_same_candidate_and_decision_as_the_local_one()
    {
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-01-20", "--days", "2", "--hours", "6", "--seed", "21", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        var knownHosts = temp.Combine("known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[{sshd.Host}]:{sshd.Port} {sshd.HostKeyLine}\n", TestContext.Current.CancellationToken);

        var local = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-20", "--data", "data", "--store", "local-store", "--json");
        var remote = await NewCli().RunAsync(
            "run-daily", "--symbol", "btcusdt", "--date", "2026-01-20", "--data", "data", "--store", "ssh-store", "--json",
            "--provider", "ssh", "--host", sshd.Host, "--port", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--user", sshd.User, "--key", sshd.KeyFile, "--known-hosts", knownHosts);

        Assert.True(local.ExitCode == ExitCodes.Ok, local.ToString());
        Assert.True(remote.ExitCode == ExitCodes.Ok, remote.ToString());
        var l = local.SingleRun();
        var r = remote.SingleRun();
        Assert.Equal(l.GetProperty("job_id").GetString(), r.GetProperty("job_id").GetString());
        Assert.Equal(l.GetProperty("promotion").GetProperty("decision").GetString(), r.GetProperty("promotion").GetProperty("decision").GetString());
        Assert.Equal(
            l.GetProperty("candidate").GetProperty("metrics").GetRawText(),
            r.GetProperty("candidate").GetProperty("metrics").GetRawText());
        var candidate = Path.Combine("models", "candidates", "btcusdt", "2026-01-20", "model.bin");
        Assert.Equal(File.ReadAllBytes(temp.Combine("local-store", candidate)), File.ReadAllBytes(temp.Combine("ssh-store", candidate)));
        Assert.Contains("ssh", remote.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(sshd.KeyFile).Trim(), remote.Stderr, StringComparison.Ordinal);

        // Next night with other feature windows: the champion's own test features must travel to the host with it.
        var champion = await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-01-20", "--store", "ssh-store", "--force");
        Assert.True(champion.ExitCode == ExitCodes.Ok, champion.ToString());
        var changed = NewCli();
        changed.Environment["QUANTLAB_Dataset__ReturnWindows__0"] = "2";
        changed.Environment["QUANTLAB_Dataset__ReturnWindows__1"] = "30";
        var next = await changed.RunAsync(
            "run-daily", "--symbol", "btcusdt", "--date", "2026-01-21", "--data", "data", "--store", "ssh-store", "--json",
            "--provider", "ssh", "--host", sshd.Host, "--port", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--user", sshd.User, "--key", sshd.KeyFile, "--known-hosts", knownHosts);
        Assert.True(next.ExitCode == ExitCodes.Ok, next.ToString());
        using var evaluation = JsonDocument.Parse(File.ReadAllText(temp.Combine("ssh-store", "models", "candidates", "btcusdt", "2026-01-21", "evaluation.json")));
        Assert.Equal("own_features", evaluation.RootElement.GetProperty("champion").GetProperty("comparison").GetString());
        Assert.NotEqual(JsonValueKind.Null, evaluation.RootElement.GetProperty("champion").GetProperty("metrics").ValueKind);
    }

    public void Dispose() => temp.Dispose();
}
