using System.Runtime.Versioning;
using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>`config check` on a configuration a night can run with, and on broken ones.</summary>
[Trait("Category", "Unit")]
[UnsupportedOSPlatform("windows")]
public sealed class ConfigCheckTests : IDisposable
{
    private const string Token = "xoxb-SECRET-77";
    private readonly TempDir temp = new();

    /// <summary>A folder a night can run from: compacted data, a store, a metrics folder and an interpreter that "has" xgboost.</summary>
    private CliRunner GoodServer(string? configJson = null)
    {
        Directory.CreateDirectory(temp.Combine("data", "compacted"));
        File.WriteAllText(temp.Combine("data", "compacted", "_state.json"), "{}");
        var python = temp.File("python");
        File.WriteAllText(python, "#!/bin/sh\necho 3.11.2 1.7.4 1.24.2\n");
        File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(temp.File("quantlab-ml.json"), configJson ?? $$"""
            {
              "Symbols": ["btcusdt", "ethusdt"],
              "DataRoot": "data",
              "Trainer": { "Python": "{{python}}" },
              "Metrics": { "TextfileDir": "{{temp.Combine("metrics")}}" }
            }
            """);
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Alerts__WebhookUrl"] = $"https://hooks.slack.com/services/{Token}";
        cli.Environment["QUANTLAB_WindowDays"] = "2";
        return cli;
    }

    private static JsonElement Parse(CliResult result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static JsonElement Value(JsonElement report, string key) =>
        report.GetProperty("values").EnumerateArray().Single(v => v.GetProperty("key").GetString() == key);

    [Fact]
    public async Task A_ready_server_exits_0_and_says_where_each_value_came_from()
    {
        var result = await GoodServer().RunAsync("config", "check", "--store", "store", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var report = Parse(result);
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.StartsWith("file ", Value(report, "Symbols").GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("btcusdt,ethusdt", Value(report, "Symbols").GetProperty("value").GetString());
        Assert.Equal("env QUANTLAB_WindowDays", Value(report, "WindowDays").GetProperty("source").GetString());
        Assert.Equal("flag", Value(report, "StoreRoot").GetProperty("source").GetString());
        Assert.Equal(temp.Combine("store"), Value(report, "StoreRoot").GetProperty("value").GetString());
        Assert.Equal("default", Value(report, "Provider").GetProperty("source").GetString());
        Assert.Equal("ok", Check(report, "python").GetProperty("status").GetString());
        Assert.Contains("xgboost 1.7.4", Check(report, "python").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ok", Check(report, "data root").GetProperty("status").GetString());
        Assert.Equal("ok", Check(report, "trainer package").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Secrets_are_masked_everywhere()
    {
        var result = await GoodServer().RunAsync("config", "check", "--json");

        var webhook = Value(Parse(result), "Alerts:WebhookUrl");
        Assert.Equal("https://hooks.slack.com/***", webhook.GetProperty("value").GetString());
        Assert.True(webhook.GetProperty("secret").GetBoolean());
        Assert.DoesNotContain(Token, result.Stdout + result.Stderr, StringComparison.Ordinal);

        // A key named like a credential that is not one (the pause before Vast's attach-ssh-key route) is shown as it is.
        var pacing = Value(Parse(result), "Vast:Pacing:AttachSshKey");
        Assert.False(pacing.GetProperty("secret").GetBoolean());
        Assert.Matches(@"^\d\d:\d\d:\d\d", pacing.GetProperty("value").GetString());

        var human = await GoodServer().RunAsync("config", "check");
        Assert.DoesNotContain(Token, human.Stdout + human.Stderr, StringComparison.Ordinal);
        Assert.Contains("READY", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_data_and_a_broken_interpreter_fail_with_what_to_fix()
    {
        var cli = GoodServer();
        cli.Environment["QUANTLAB_DataRoot"] = temp.Combine("no-such-data");
        cli.Environment["QUANTLAB_Trainer__Python"] = temp.Combine("no-such-python");

        var result = await cli.RunAsync("config", "check", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var report = Parse(result);
        Assert.False(report.GetProperty("ok").GetBoolean());
        Assert.Equal("fail", Check(report, "data root").GetProperty("status").GetString());
        Assert.Contains("does not exist", Check(report, "data root").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("fail", Check(report, "python").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_interpreter_without_xgboost_fails_the_local_provider_but_only_warns_for_a_remote_one()
    {
        var cli = GoodServer();
        var python = temp.File("python");
        File.WriteAllText(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'xgboost'\" >&2\nexit 1\n");

        var local = Parse(await cli.RunAsync("config", "check", "--json"));
        cli.Environment["QUANTLAB_Ssh__Host"] = "127.0.0.1";
        cli.Environment["QUANTLAB_Ssh__User"] = "trainer";
        cli.Environment["QUANTLAB_Ssh__KeyFile"] = temp.File("id_ed25519");
        var remote = Parse(await cli.RunAsync("config", "check", "--provider", "ssh", "--json"));

        Assert.Equal("fail", Check(local, "python").GetProperty("status").GetString());
        Assert.Contains("No module named 'xgboost'", Check(local, "python").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("warn", Check(remote, "python").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_ssh_key_readable_by_others_fails_when_the_night_uses_ssh()
    {
        var cli = GoodServer();
        var key = temp.File("id_ed25519");
        File.WriteAllText(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        cli.Environment["QUANTLAB_Ssh__KeyFile"] = key;
        cli.Environment["QUANTLAB_Ssh__Host"] = "127.0.0.1";
        cli.Environment["QUANTLAB_Ssh__User"] = "trainer";

        var ssh = await cli.RunAsync("config", "check", "--provider", "ssh", "--json");

        Assert.Equal(ExitCodes.Failed, ssh.ExitCode);
        var check = Check(Parse(ssh), "Ssh:KeyFile");
        Assert.Equal("fail", check.GetProperty("status").GetString());
        Assert.Contains("mode 0644", check.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("chmod 600", check.GetProperty("detail").GetString(), StringComparison.Ordinal);

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var fixedKey = await cli.RunAsync("config", "check", "--provider", "ssh", "--json");
        Assert.Equal("ok", Check(Parse(fixedKey), "Ssh:KeyFile").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Provider_vast_without_an_api_key_fails()
    {
        var result = await GoodServer().RunAsync("config", "check", "--provider", "vast", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Equal("fail", Check(Parse(result), "vast api key").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_invalid_value_is_exit_2_and_still_one_json_report_naming_it()
    {
        var result = await GoodServer("""{ "Device": "tpu" }""").RunAsync("config", "check", "--json");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var report = Parse(result);
        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Contains("Device", Check(report, "configuration").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_alert_format_is_an_invalid_configuration()
    {
        var cli = GoodServer();
        cli.Environment["QUANTLAB_Alerts__Format"] = "pager";

        var result = await cli.RunAsync("config", "check");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Alerts:Format", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_a_configuration_file_others_can_read_is_flagged()
    {
        var cli = GoodServer("""{ "DataRoot": "data", "Alerts": { "WebhookUrl": "https://hooks.slack.com/services/xoxb-SECRET-77" } }""");
        cli.Environment.Remove("QUANTLAB_Alerts__WebhookUrl");
        File.SetUnixFileMode(temp.File("quantlab-ml.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = await cli.RunAsync("config", "check", "--json");

        var check = Check(Parse(result), "secrets");
        Assert.Equal("warn", check.GetProperty("status").GetString());
        Assert.Contains("Alerts:WebhookUrl", check.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}

/// <summary>The Python probe against the repository's real interpreter (scripts/test.sh's .venv).</summary>
[Trait("Category", "Integration")]
public sealed class ConfigCheckPythonTests : IDisposable
{
    private readonly TempDir temp = new();

    [Fact]
    public async Task The_repository_interpreter_passes_with_its_xgboost_version()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;

        var result = await cli.RunAsync("config", "check", "--json");

        using var doc = JsonDocument.Parse(result.Stdout);
        var python = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "python");
        Assert.True(python.GetProperty("status").GetString() == "ok", result.ToString());
        Assert.Matches(@"xgboost \d+\.\d+", python.GetProperty("detail").GetString());
    }

    public void Dispose() => temp.Dispose();
}
