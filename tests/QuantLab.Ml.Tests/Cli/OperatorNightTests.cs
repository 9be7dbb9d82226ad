using System.Text.Json;
using System.Text.RegularExpressions;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Cli;

/// <summary>Issue 23: what the on-call operator sees at 03:00, driven through the CLI as typed.</summary>
[Trait("Category", "Unit")]
public sealed partial class OperatorNightTests : IDisposable
{
    private static readonly string[] Commands =
        ["run-daily", "promote", "models", "rollback", "data check", "data sample", "offers", "instances", "runs", "logs", "status", "reap-orphans"];

    private readonly TempDir temp = new();

    private CliRunner Cli => new(temp.Path);

    [Theory]
    [InlineData(0.85, "850 ms")]
    [InlineData(12, "12 s")]
    [InlineData(1.5, "1.5 s")]
    [InlineData(119.6093828, "1 min 59 s")]
    [InlineData(180.0033376, "3 min")]
    [InlineData(4 * 3600, "4 h")]
    [InlineData(2 * 3600 + 5 * 60, "2 h 5 min")]
    [InlineData(27 * 3600, "1 d 3 h")]
    public void Durations_read_as_a_person_writes_them(double seconds, string expected) =>
        Assert.Equal(expected, Durations.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task The_root_help_has_the_whole_exit_code_table_and_each_command_only_its_own_codes()
    {
        var root = await Cli.RunAsync("--help");
        Assert.Contains("75 not started: another run holds the lock", root.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 data not ready", root.Stdout, StringComparison.Ordinal);

        foreach (var command in Commands)
        {
            var help = await Cli.RunAsync([.. command.Split(' '), "--help"]);
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains("exit codes: 0 ", help.Stdout, StringComparison.Ordinal);
            Assert.Single(ExitCodeLine().Matches(help.Stdout));
            foreach (var line in help.Stdout.Split('\n').Where(l => l.Contains("[default:", StringComparison.Ordinal)))
            {
                Assert.DoesNotMatch(DoubledDefault(), line);
            }
        }

        foreach (var command in (string[])["promote", "rollback", "models", "offers", "instances", "runs", "logs"])
        {
            var help = await Cli.RunAsync(command, "--help");
            Assert.DoesNotContain("data not ready", help.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("3 data not ready", (await Cli.RunAsync("run-daily", "--help")).Stdout, StringComparison.Ordinal);
        Assert.Contains("3 data not ready", (await Cli.RunAsync("data", "check", "--help")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Option_texts_say_what_is_really_accepted()
    {
        var help = (await Cli.RunAsync("models", "--help")).Stdout;
        Assert.Contains("bybit-btcusdt", help, StringComparison.Ordinal);
        var config = help[help.IndexOf("--config", StringComparison.Ordinal)..];
        var order = new[] { "$QUANTLAB_CONFIG", "./quantlab-ml.json", "/etc/quantlab-ml/quantlab-ml.json" }.Select(s => config.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.All(order, i => Assert.True(i > 0));
        Assert.Equal(order.Order().ToList(), order);
    }

    [Theory]
    [InlineData("rundaily", "did you mean 'quantlab-ml run-daily'?")]
    [InlineData("instnaces", "did you mean 'quantlab-ml instances'?")]
    [InlineData("data chek", "did you mean 'quantlab-ml data check'?")]
    public async Task A_mistyped_command_gets_did_you_mean_without_the_whole_help(string typed, string expected)
    {
        var result = await Cli.RunAsync(typed.Split(' '));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.DoesNotContain("Required command was not provided", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 2, result.ToString());
    }

    [Fact]
    public async Task A_bad_flag_is_named_before_the_missing_key()
    {
        var result = await Cli.RunAsync("reap-orphans", "--max-age", "soon");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--max-age", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("Vast API key", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run-daily", "--symbol", "btcusdt", "--date", "2099-01-01", "--wait-for-data", "4h")]
    [InlineData("data", "check", "--symbol", "btcusdt", "--date", "2099-01-01")]
    public async Task A_date_after_tomorrow_is_exit_2_at_once(params string[] args)
    {
        var result = await Cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("2099-01-01 is in the future", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_without_a_key_says_why_live_machines_are_unknown()
    {
        var result = await Cli.RunAsync("status", "--symbol", "btcusdt", "--store", "store");

        Assert.DoesNotContain("wired in this build", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("no Vast API key", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_baseline_line_names_what_the_baseline_predicted()
    {
        var imbalance = Tests.Promotion.SampleMetrics.AlwaysFlatBaseline() with { Strategy = "imbalance_sign", PredictedClassCounts = new Ml.Promotion.ClassCounts { Down = 3, Flat = 4, Up = 5 } };

        Assert.Equal("imbalance-sign baseline (predicted up 5, down 3, flat 4)", Ml.Promotion.PromotionPolicy.BaselineName(imbalance));
        Assert.Equal("no-position baseline", Ml.Promotion.PromotionPolicy.BaselineName(imbalance with { Strategy = "no_position" }));
    }

    [Fact]
    public async Task A_failed_run_names_its_run_id_and_log_and_runs_and_logs_lead_to_the_error()
    {
        await SampleAsync();
        var cli = Cli;
        cli.Environment["QUANTLAB_Trainer__Python"] = "/nonexistent/python3";

        var run = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-15", "--data", "data");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        var failed = Assert.Single(run.Stdout.Split('\n'), l => l.Contains(": FAILED", StringComparison.Ordinal));
        var runId = RunIdPattern().Match(failed).Value;
        Assert.StartsWith("run-", runId, StringComparison.Ordinal);
        var log = Regex.Match(failed, @"log (\S+);").Groups[1].Value;
        Assert.True(File.Exists(log), failed);
        Assert.Contains("cannot start the trainer interpreter", File.ReadAllText(log), StringComparison.Ordinal);

        var runs = await cli.RunAsync("runs");
        Assert.True(runs.ExitCode == 0, runs.ToString());
        var row = Assert.Single(runs.Stdout.Split('\n'), l => l.Contains("btcusdt", StringComparison.Ordinal));
        Assert.Contains(runId, row, StringComparison.Ordinal);
        Assert.Contains("cannot start the trainer interpreter", row, StringComparison.Ordinal);
        Assert.Contains("failed", row, StringComparison.Ordinal);

        var logs = await cli.RunAsync("logs", runId, "--symbol", "btcusdt");
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains("btcusdt 2026-01-15: failed: ", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("folder     " + Path.GetDirectoryName(log), logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("Run for btcusdt failed", logs.Stdout, StringComparison.Ordinal);

        var missing = await cli.RunAsync("logs", "run-20000101T000000Z-abcdef");
        Assert.Equal(ExitCodes.Failed, missing.ExitCode);
        Assert.Contains("quantlab-ml runs", Assert.Single(missing.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_on_data_that_is_not_ready_says_so_first_and_exits_3()
    {
        await SampleAsync();

        var result = await Cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-16", "--data", "data", "--dry-run");

        Assert.Equal(ExitCodes.DataNotReady, result.ExitCode);
        Assert.StartsWith("DRY RUN: a real run would NOT succeed (exit 3)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("data not ready", result.Stdout.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_into_a_store_that_cannot_be_written_says_so_first_and_exits_1()
    {
        await SampleAsync();
        File.WriteAllText(temp.Combine("not-a-folder"), "a file where the store should be");
        var cli = Cli;
        cli.Environment["QUANTLAB_WorkDir"] = "work";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-15", "--data", "data", "--store", "not-a-folder/store", "--dry-run", "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Contains("not-a-folder", Assert.Single(doc.RootElement.GetProperty("would_fail").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(1, doc.RootElement.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Under_systemd_log_levels_reach_the_journal_as_priority_prefixes()
    {
        await SampleAsync();
        var cli = Cli;
        cli.Environment["JOURNAL_STREAM"] = "8:12345";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-16", "--data", "data");

        Assert.Equal(ExitCodes.DataNotReady, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("<4>", StringComparison.Ordinal) && l.Contains("Data not ready", StringComparison.Ordinal));
        Assert.All(lines.Where(l => !l.StartsWith("error:", StringComparison.Ordinal)), l => Assert.Matches("^<[2-7]>", l));

        var plain = await Cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-16", "--data", "data");
        Assert.DoesNotContain("<4>", plain.Stderr, StringComparison.Ordinal);
    }

    private async Task SampleAsync()
    {
        var sample = await Cli.RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-01-15", "--days", "1", "--hours", "6", "--rate", "2", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
    }

    [GeneratedRegex("exit codes: ")]
    private static partial Regex ExitCodeLine();

    [GeneratedRegex(@"\(default[^)]*\)\s*\[default:|default \S+\s*\[default:")]
    private static partial Regex DoubledDefault();

    [GeneratedRegex(@"run-\d{8}T\d{6}Z-[0-9a-f]{6}")]
    private static partial Regex RunIdPattern();

    public void Dispose() => temp.Dispose();
}
