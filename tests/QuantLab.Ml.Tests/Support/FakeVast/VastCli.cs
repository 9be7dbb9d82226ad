using System.Text.Json;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>A CLI wired to the fake Vast.ai whose instances' SSH is the loopback sshd, with test-sized timings.</summary>
public static class VastCli
{
    public static CliRunner Create(TempDir temp, FakeVast vast, SshdFixture sshd)
    {
        var cli = new CliRunner(temp.Path);
        var env = cli.Environment;
        env["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        env["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        env["QUANTLAB_Remote__Python"] = sshd.Python;
        env["QUANTLAB_Remote__Root"] = temp.Combine("remote-root");
        env["QUANTLAB_Remote__PollInterval"] = "00:00:00.5";
        env["QUANTLAB_Remote__HeartbeatInterval"] = "00:00:01";
        env["QUANTLAB_Rental__SshUser"] = sshd.User;
        env["QUANTLAB_Rental__RunningDeadline"] = "00:00:20";
        env["QUANTLAB_Rental__KeyAttachRetryDelay"] = "00:00:00.2";
        env["QUANTLAB_Rental__ProvisioningBudget"] = "00:01:00";
        env["QUANTLAB_DataRoot"] = "data";
        env["QUANTLAB_StoreRoot"] = "store";
        env["QUANTLAB_Provider"] = "vast";

        // This machine has no GPU and XGBoost 1.7.4 from Debian: a vast night here must say so explicitly (the default
        // for vast is cuda, and the rented machines' exact pins would need PyPI).
        env["QUANTLAB_Device"] = "cpu";
        env["QUANTLAB_Rental__Requirements"] = "requirements.txt";
        env["VAST_API_URL"] = vast.BaseUrl;
        env["VAST_API_KEY"] = vast.ApiKey;
        env["QUANTLAB_Vast__PollInterval"] = "00:00:00.05";
        env["QUANTLAB_Vast__ReconcileDelay"] = "00:00:00.05";
        foreach (var endpoint in new[] { "SearchOffers", "CreateInstance", "GetInstance", "ListInstances", "DestroyInstance", "UpdateInstance", "AttachSshKey", "CurrentUser" })
        {
            env[$"QUANTLAB_Vast__Pacing__{endpoint}"] = "00:00:00";
        }

        return cli;
    }

    /// <summary>Every instance the fake rents is the loopback sshd, and the keys attached to it are the ones that sshd accepts.</summary>
    public static void ServeFrom(this FakeVast vast, SshdFixture sshd)
    {
        vast.SshEndpoint = (sshd.Host, sshd.Port);
        vast.AuthorizedKeysFile = Path.Combine(Path.GetDirectoryName(sshd.KeyFile)!, "authorized_keys");
    }

    /// <summary>The money rule every Vast end-to-end test ends with: every instance created was destroyed, none is live.</summary>
    public static void AssertNothingLeftBilling(this FakeVast vast)
    {
        Assert.Empty(vast.LiveInstances);
        Assert.Equal(vast.CreatedInstanceIds.Order(), vast.DestroyedInstanceIds.Order());
    }

    /// <summary>
    /// The promotion decision was taken on the model alone, as on a clean night: promoted means production now holds this
    /// day's model, rejected means production was left alone for reasons about the model, never about the machine.
    /// Returns whether it was promoted.
    /// </summary>
    public static bool DecidedAsOnACleanNight(JsonElement run, string symbol, TempDir temp)
    {
        var promotion = run.GetProperty("promotion");
        var decision = promotion.GetProperty("decision").GetString();
        var manifest = temp.Combine("store", "models", "production", symbol, "manifest.json");
        if (decision == "promoted")
        {
            Assert.True(File.Exists(manifest), $"{symbol} promoted but no production manifest");
            Assert.Contains(run.GetProperty("date").GetString()!, File.ReadAllText(manifest), StringComparison.Ordinal);
            return true;
        }

        Assert.True(decision == "rejected", promotion.ToString());
        Assert.False(File.Exists(manifest), $"{symbol} rejected but production changed");
        Assert.All(promotion.GetProperty("reasons").EnumerateArray(), r => Assert.DoesNotContain("destroy", r.GetString(), StringComparison.OrdinalIgnoreCase));
        return false;
    }

    /// <summary>A job that trains far longer than any test waits: no early stopping, a tiny learning rate, many rounds.</summary>
    public static CliRunner TrainingSlowly(this CliRunner cli)
    {
        cli.Environment["QUANTLAB_Xgboost__NumBoostRound"] = "100000";
        cli.Environment["QUANTLAB_Xgboost__EarlyStoppingRounds"] = "0";
        cli.Environment["QUANTLAB_Xgboost__Eta"] = "0.001";
        return cli;
    }

    /// <summary>What the night planner expects: every symbol trains <paramref name="perSymbol"/>, a machine takes <paramref name="setup"/>.</summary>
    public static CliRunner PlanningWith(this CliRunner cli, TimeSpan perSymbol, TimeSpan setup)
    {
        cli.Environment["QUANTLAB_Batch__MinimumTrainingSeconds"] = perSymbol.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        cli.Environment["QUANTLAB_Batch__PerJobOverhead"] = "00:00:00";
        cli.Environment["QUANTLAB_Rental__ExpectedBoot"] = setup.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        return cli;
    }
}
