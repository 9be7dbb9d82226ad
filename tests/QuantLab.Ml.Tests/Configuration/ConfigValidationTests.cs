using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Configuration;

/// <summary>
/// One configuration, validated once: a misspelt key or a value that disarms a safety net is exit 2 with one line naming it,
/// in `config check` and in `run-daily` alike, before anything is read, written or rented.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ConfigValidationTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Every rejected value: the key, the value as written in the JSON file, and the message the operator reads.</summary>
    public static TheoryData<string, string, string> Rejected => new()
    {
        { "Runtime:MarginMinutes", "-61", "Runtime:MarginMinutes = -61: must be 0..720 minutes" },
        { "Runtime:MarginMinutes", "100000000", "Runtime:MarginMinutes = 100000000: must be 0..720 minutes" },
        { "Runtime:MaxRuntimeMinutes", "0", "Runtime:MaxRuntimeMinutes = 0: must be 1..1440 minutes" },
        { "Evaluation:CostBps", "\"NaN\"", "Evaluation:CostBps = NaN: must be 0..1000 bps" },
        { "Evaluation:CostBps", "-100", "Evaluation:CostBps = -100: must be 0..1000 bps" },
        { "Vast:Offers:MaxPricePerHour", "-0.5", "Vast:Offers:MaxPricePerHour = -0.5: must be more than 0 and at most 128 $/h" },
        { "Vast:Offers:MinReliability", "95", "Vast:Offers:MinReliability = 95: must be 0..1" },
        { "Vast:CleanupBudget", "\"00:00:00\"", "Vast:CleanupBudget = 00:00:00: must be more than 00:00:00 and at most 01:00:00" },
        { "Vast:BaseUrl", "\"http://vast.example.com\"", "Vast:BaseUrl 'http://vast.example.com' must use https" },
        { "Rental:MaxInstanceAttempts", "0", "Rental:MaxInstanceAttempts = 0: must be 1..25" },
        { "Rental:DestroyBudget", "\"-00:01:00\"", "Rental:DestroyBudget = -00:01:00: must be more than 00:00:00" },
        { "Rental:ExpectedBoot", "\"00:00:00\"", "Rental:ExpectedBoot = 00:00:00: must be more than 00:00:00" },
        { "Remote:ConnectTimeout", "\"00:00:00\"", "Remote:ConnectTimeout = 00:00:00: must be more than 00:00:00" },
        { "Remote:RemoteWatchdogGrace", "\"-00:00:10\"", "Remote:RemoteWatchdogGrace = -00:00:10: must be 00:00:00..02:00:00" },
        { "Remote:Resilience:RetryDelay", "\"00:00:00\"", "Remote:Resilience:RetryDelay = 00:00:00: must be more than 00:00:00" },
        { "Ssh:Port", "70000", "Ssh:Port = 70000: must be 1..65535" },
        { "Ssh:CleanJobsOlderThanDays", "-1", "Ssh:CleanJobsOlderThanDays = -1: must be 0..3650 days" },
        { "Promotion:MaxDrawdownCap", "25", "Promotion:MaxDrawdownCap = 25: must be more than 0 and at most 1" },
        { "Promotion:MinDirectionalImprovement", "-0.01", "Promotion:MinDirectionalImprovement = -0.01: must be 0..0.499999" },
        { "Promotion:MinDirectionalSamples", "0", "Promotion:MinDirectionalSamples = 0: must be 1..10000000" },
        { "Xgboost:MaxDepth", "99", "Xgboost:MaxDepth = 99: must be 1..32" },
        { "Xgboost:Eta", "0", "Xgboost:Eta = 0: must be more than 0 and at most 1" },
        { "Xgboost:EvalMetric", "\"rmse\"", "Xgboost:EvalMetric = 'rmse': must be one of mlogloss, merror, auc" },
        { "Dataset:DeadBandBps", "-1", "Dataset:DeadBandBps = -1: must be 0..10000 bps" },
        { "Dataset:TestFraction", "0", "Dataset:TestFraction = 0: must be more than 0 and at most 1" },
        { "DataWait:Factor", "0.5", "DataWait:Factor = 0.5: must be 1..10" },
        { "DataWait:InitialDelay", "\"-00:01:00\"", "DataWait:InitialDelay = -00:01:00: must be more than 00:00:00" },
        { "Batch:MaxInstances", "0", "Batch:MaxInstances = 0: must be 1..64" },
        { "Batch:SecondsPerMillionRows", "\"NaN\"", "Batch:SecondsPerMillionRows = NaN: must be more than 0" },
        { "S3:PartSizeMiB", "1", "S3:PartSizeMiB = 1: must be 5..5120 MiB" },
        { "Alerts:Attempts", "0", "Alerts:Attempts = 0: must be 1..10" },
        { "Alerts:Format", "\"teams\"", "Alerts:Format = 'teams': must be one of generic, slack, telegram" },
        { "Metrics:FileName", "\"metrics.txt\"", "Metrics:FileName = 'metrics.txt': must be a plain file name ending in .prom" },
        { "WindowDays", "40", "WindowDays = 40: must be 1..31 days" },
        { "Provider", "\"vst\"", "Provider = 'vst': must be one of local, ssh, vast" },
        { "Device", "\"tpu\"", "Device = 'tpu': must be one of auto, cpu, cuda" },
        { "Evaluation:HacLag", "3", "Evaluation:HacLag = 3: must be at least Dataset:HorizonBars (10)" },
        { "Promotion:ChampionSignificance", "0.7", "Promotion:ChampionSignificance = 0.7: must be more than 0 and at most 0.5" },
        { "Promotion:SharpeTolerance", "2", "Promotion:SharpeTolerance = 2: must be 0..0.999999" },
        // Budgets that must fit each other: each value is in its own range, together they do not.
        { "Shutdown:TerminationWindow", "\"00:00:30\"", "more than Shutdown:TerminationWindow 30 s: the process would be killed before the machine is destroyed" },
        { "Rental:DestroyBudget", "\"00:00:40\"", "Rental:DestroyBudget (40 s) cannot hold one DELETE and one read-back of Vast:RequestTimeout (30 s) each" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task A_rejected_value_is_exit_2_naming_key_value_and_range_in_config_check(string key, string json, string message)
    {
        var cli = WithConfig(Nest(key, json));

        var result = await cli.RunAsync("config", "check", "--json");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var report = Parse(result);
        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Contains(report.GetProperty("checks").EnumerateArray(), c =>
            c.GetProperty("status").GetString() == "fail" && c.GetProperty("detail").GetString()!.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task A_rejected_value_is_exit_2_naming_key_value_and_range_in_run_daily_before_anything_is_written(string key, string json, string message)
    {
        var cli = WithConfig(Nest(key, json));

        var result = await cli.RunAsync("run-daily", "--date", "2026-12-06");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine(".quantlab")), "nothing may be written for an invalid configuration");
    }

    [Fact]
    public async Task The_defaults_are_valid_and_every_value_config_check_shows_has_its_rule()
    {
        var cli = WithConfig("{}");

        var report = Parse(await cli.RunAsync("config", "check", "--json"));

        Assert.True(report.GetProperty("valid").GetBoolean());

        // Switches and free-form values (paths, names, a seed) have no range; every other value config check shows must
        // carry the rule it was checked against, so a new field without a rule fails here.
        string[] freeForm =
        [
            "DataRoot", "StoreRoot", "WorkDir", "SymbolsFile", "Symbols", "Exchange", "Stream", "Trainer:PackageDir", "Vast:ApiKeyFile",
            "Ssh:Host", "Ssh:User", "Ssh:KeyFile", "Ssh:KnownHostsFile", "S3:Profile", "S3:ForcePathStyle", "Alerts:TelegramChatId",
            "Batch:Deadline", "Xgboost:Seed",
        ];
        var missing = report.GetProperty("values").EnumerateArray()
            .Where(v => v.GetProperty("allowed").ValueKind == JsonValueKind.Null && v.GetProperty("value").GetString() is not ("true" or "false"))
            .Select(v => v.GetProperty("key").GetString()!)
            .Where(k => !freeForm.Contains(k, StringComparer.Ordinal))
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Every_section_of_the_vast_rental_remote_and_ssh_parts_is_shown_with_its_source()
    {
        var cli = WithConfig("""{ "Rental": { "MaxInstanceAttempts": 3 } }""");
        cli.Environment["QUANTLAB_Remote__ConnectTimeout"] = "00:00:30";
        cli.Environment["VAST_API_URL"] = "http://127.0.0.1:9";

        var values = Parse(await cli.RunAsync("config", "check", "--json", "--provider", "local")).GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => (Value: v.GetProperty("value").GetString(), Source: v.GetProperty("source").GetString()));

        Assert.Equal(("3", $"file {temp.Combine("quantlab-ml.json")}"), values["Rental:MaxInstanceAttempts"]);
        Assert.Equal(("00:00:30", "env QUANTLAB_Remote__ConnectTimeout"), values["Remote:ConnectTimeout"]);
        Assert.Equal(("http://127.0.0.1:9", "env VAST_API_URL"), values["Vast:BaseUrl"]);
        Assert.Equal(("0.6", "default"), values["Vast:Offers:MaxPricePerHour"]);
        Assert.Equal(("22", "default"), values["Ssh:Port"]);
        Assert.DoesNotContain(values.Keys, k => k.StartsWith("Ssh:Remote", StringComparison.Ordinal));
    }

    /// <summary>Each section of the options tree, read from the types: a new section is covered without editing this test.</summary>
    public static TheoryData<string> Sections =>
        [.. ConfigKeys.Properties(typeof(QuantLabOptions)).Where(p => ConfigKeys.Metadata.GetTypeInfo(p.PropertyType).Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Sections))]
    public async Task A_misspelt_key_in_any_section_is_exit_2_in_config_check_and_run_daily(string section)
    {
        var cli = WithConfig($$"""{ "{{section}}": { "Bogus_Key": 1 } }""");

        var check = await cli.RunAsync("config", "check");
        var run = await cli.RunAsync("run-daily", "--date", "2026-12-06");

        Assert.Equal(ExitCodes.Usage, check.ExitCode);
        Assert.Contains($"{section}:Bogus_Key: unknown key", check.Stdout, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"{section}:Bogus_Key: unknown key", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Promotoin": { "MaxDrawdownCap": 0.1 } }""", "Promotoin: unknown section; did you mean Promotion?")]
    [InlineData("""{ "Xgboost": { "MaxDeph": 99 } }""", "Xgboost:MaxDeph: unknown key; did you mean Xgboost:MaxDepth?")]
    [InlineData("""{ "Provder": "vast" }""", "Provder: unknown key; did you mean Provider?")]
    [InlineData("""{ "Vast": { "Offers": { "MaxPricePerHr": 1 } } }""", "Vast:Offers:MaxPricePerHr: unknown key; did you mean Vast:Offers:MaxPricePerHour?")]
    [InlineData("""{ "Ssh": { "Remote": { "Python": "python3" } } }""", "Ssh:Remote: unknown section")]
    [InlineData("""{ "WindowDays": { "Max": 3 } }""", "WindowDays:Max: unknown key; WindowDays has no keys of its own")]
    [InlineData("""{ "Rental": { "ExpectedTraining": "00:03:00" } }""", "Rental:ExpectedTraining: retired: a dry run's cost is now the night plan's")]
    public async Task A_typo_names_the_key_and_the_nearest_known_one(string json, string message)
    {
        var result = await WithConfig(json).RunAsync("run-daily", "--date", "2026-12-06");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("error: " + message, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exchanges_keys_are_data_and_lists_take_indexes()
    {
        var cli = WithConfig("""{ "Exchanges": { "bybit": ["btcusdt"] }, "Dataset": { "ReturnWindows": [1, 5] } }""");
        cli.Environment["QUANTLAB_Exchanges__okx"] = "ethusdt";

        var result = await cli.RunAsync("config", "check", "--json");

        Assert.True(Parse(result).GetProperty("valid").GetBoolean(), result.ToString());
        Assert.Contains(Parse(result).GetProperty("values").EnumerateArray(), v => v.GetProperty("key").GetString() == "Exchanges:okx");
    }

    [Fact]
    public async Task A_misspelt_environment_variable_is_exit_2_naming_the_variable()
    {
        var cli = WithConfig("{}");
        cli.Environment["QUANTLAB_Xgboost__MaxDeph"] = "5";

        var run = await cli.RunAsync("run-daily", "--date", "2026-12-06");
        var check = await cli.RunAsync("config", "check");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("error: QUANTLAB_Xgboost__MaxDeph: unknown key; did you mean Xgboost:MaxDepth?", Assert.Single(run.ErrorLines));
        Assert.Equal(ExitCodes.Usage, check.ExitCode);
        Assert.Contains("QUANTLAB_Xgboost__MaxDeph: unknown key", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Variables_that_are_not_configuration_are_left_alone()
    {
        var cli = WithConfig("{}");
        cli.Environment["QUANTLAB_CONFIG"] = temp.Combine("quantlab-ml.json");
        cli.Environment["QUANTLAB_TEST_ANYTHING"] = "x";
        cli.Environment["QUANTLAB_SSH_KEY_PASSPHRASE"] = "hunter2";

        var result = await cli.RunAsync("config", "check", "--json");

        Assert.True(Parse(result).GetProperty("valid").GetBoolean(), result.ToString());
        Assert.DoesNotContain("hunter2", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_is_flag_then_QUANTLAB_CONFIG_then_the_working_folder_then_the_system_file()
    {
        var etc = temp.Combine("etc.json");
        File.WriteAllText(etc, """{ "WindowDays": 4 }""");
        var cli = new CliRunner(temp.Path) { SystemConfigFile = etc };
        cli.Environment.Remove("QUANTLAB_WindowDays"); // a variable would win over every file

        async Task<(string? File, string? From, string WindowDays)> Used(params string[] extra)
        {
            var report = Parse(await cli.RunAsync(["config", "check", "--json", .. extra]));
            var window = report.GetProperty("values").EnumerateArray().Single(v => v.GetProperty("key").GetString() == "WindowDays");
            return (report.GetProperty("config_file").GetString(), report.GetProperty("config_file_from").GetString(), window.GetProperty("value").GetString()!);
        }

        Assert.Equal((etc, "system file", "4"), await Used());

        File.WriteAllText(temp.Combine("quantlab-ml.json"), """{ "WindowDays": 3 }""");
        Assert.Equal((temp.Combine("quantlab-ml.json"), "./quantlab-ml.json", "3"), await Used());

        File.WriteAllText(temp.Combine("env.json"), """{ "WindowDays": 2 }""");
        cli.Environment["QUANTLAB_CONFIG"] = temp.Combine("env.json");
        Assert.Equal((temp.Combine("env.json"), "QUANTLAB_CONFIG", "2"), await Used());

        File.WriteAllText(temp.Combine("flag.json"), """{ "WindowDays": 1 }""");
        Assert.Equal((temp.Combine("flag.json"), "--config", "1"), await Used("--config", temp.Combine("flag.json")));
    }

    [Fact]
    public async Task Config_check_prints_the_file_first_and_every_command_logs_it()
    {
        var cli = WithConfig("{}");

        var check = await cli.RunAsync("config", "check");
        var runs = await cli.RunAsync("runs");

        Assert.StartsWith($"configuration file: {temp.Combine("quantlab-ml.json")} (from ./quantlab-ml.json)", check.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Configuration: {temp.Combine("quantlab-ml.json")} (from ./quantlab-ml.json)", runs.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_file_that_is_missing_is_exit_2()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_CONFIG"] = temp.Combine("gone.json");

        var result = await cli.RunAsync("runs");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal($"error: configuration file {temp.Combine("gone.json")} (from QUANTLAB_CONFIG) does not exist", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Broken_json_names_the_line_and_column()
    {
        var cli = WithConfig("{\n  \"WindowDays\": 2,\n  \"Device\" \"cpu\"\n}\n");

        var run = await cli.RunAsync("run-daily", "--date", "2026-12-06");
        var check = await cli.RunAsync("config", "check");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"configuration file {temp.Combine("quantlab-ml.json")} is not valid JSON: line 3, column 12", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, check.ExitCode);
        Assert.Contains("line 3, column 12", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S3_COMPACT_BUCKET_gives_the_seed_layout_when_no_root_is_configured()
    {
        var cli = WithConfig("{}");
        cli.Environment["S3_COMPACT_BUCKET"] = "quantlab-compact";

        var values = Parse(await cli.RunAsync("config", "check", "--json")).GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => (Value: v.GetProperty("value").GetString(), Source: v.GetProperty("source").GetString()));

        Assert.Equal(("s3://quantlab-compact/", "env S3_COMPACT_BUCKET"), values["DataRoot"]);
        Assert.Equal(("s3://quantlab-compact/", "env S3_COMPACT_BUCKET"), values["StoreRoot"]);

        // The store root is the bucket itself, so the registry's layout lands where the seed kept its models.
        var store = S3Root.Parse(values["StoreRoot"].Value!, "--store");
        Assert.Equal("s3://quantlab-compact/models/production/btcusdt/model.bin", store.Describe(ModelRegistry.ProductionPrefix("btcusdt") + "model.bin"));
        Assert.Equal("s3://quantlab-compact/models/candidates/btcusdt/2026-12-06/model.bin", store.Describe(ModelRegistry.CandidatePrefix("btcusdt", new DateOnly(2026, 12, 6)) + "model.bin"));
    }

    [Fact]
    public async Task A_configured_root_wins_over_S3_COMPACT_BUCKET()
    {
        var cli = WithConfig("""{ "StoreRoot": "s3://models-bucket/ql" }""");
        cli.Environment["S3_COMPACT_BUCKET"] = "quantlab-compact";
        cli.Environment["QUANTLAB_DataRoot"] = "s3://data-bucket/";

        var values = Parse(await cli.RunAsync("config", "check", "--json")).GetProperty("values").EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("value").GetString());

        Assert.Equal("s3://models-bucket/ql", values["StoreRoot"]);
        Assert.Equal("s3://data-bucket/", values["DataRoot"]);
    }

    /// <summary>The CLI with this file and without the test runner's own settings, which as variables would win over the file.</summary>
    private CliRunner WithConfig(string json)
    {
        File.WriteAllText(temp.Combine("quantlab-ml.json"), json);
        var cli = new CliRunner(temp.Path);
        foreach (var name in cli.Environment.Keys.Where(k => k.StartsWith("QUANTLAB_", StringComparison.Ordinal)).ToList())
        {
            cli.Environment.Remove(name);
        }

        return cli;
    }

    /// <summary>{"A": {"B": value}} for key A:B.</summary>
    private static string Nest(string key, string json) =>
        key.Split(':').Reverse().Aggregate(json, (inner, name) => $$"""{ "{{name}}": {{inner}} }""");

    private static JsonElement Parse(CliResult result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }
}
