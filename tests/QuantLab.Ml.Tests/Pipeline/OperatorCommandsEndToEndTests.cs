using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>What an operator does by hand around the nightly run: promote, --date latest, waiting for data, reading the log.</summary>
[Trait("Category", "Integration")]
public sealed class OperatorCommandsEndToEndTests : IDisposable
{
    private readonly TempDir temp = new();

    private CliRunner NewCli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_DataRoot"] = "data";
        cli.Environment["QUANTLAB_StoreRoot"] = "store";
        return cli;
    }

    private async Task SampleAsync(string from, int days, string regime, params string[] extra)
    {
        var result = await NewCli().RunAsync(
            ["data", "sample", "--symbol", "btcusdt", "--from", from, "--days", days.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--hours", "6", "--regime", regime, "--out", "data", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static JsonElement Parse(CliResult result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Promote_replays_a_rejection_and_force_records_that_it_was_forced()
    {
        await SampleAsync("2026-05-01", 1, "noise");
        var run = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-05-01", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var rejectedReasons = Parse(run).GetProperty("runs")[0].GetProperty("promotion").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();

        var dry = await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-05-01", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        var replay = Parse(dry);
        Assert.Equal("would_reject", replay.GetProperty("action").GetString());
        Assert.Equal(rejectedReasons, replay.GetProperty("decision").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList());

        var plain = Parse(await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-05-01", "--json"));
        Assert.Equal("rejected", plain.GetProperty("action").GetString());
        Assert.False(File.Exists(Path.Combine(temp.Path, "store", "models", "production", "btcusdt", "manifest.json")));

        var forced = Parse(await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-05-01", "--force", "--json"));
        Assert.Equal("forced", forced.GetProperty("action").GetString());
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "store", "models", "production", "btcusdt", "manifest.json")));
        Assert.Equal("forced_promote", manifest.RootElement.GetProperty("action").GetString());
        Assert.StartsWith("forced by operator", manifest.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var again = Parse(await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-05-01", "--json"));
        Assert.Equal("already_production", again.GetProperty("action").GetString());
    }

    [Fact]
    public async Task Promote_of_a_missing_candidate_is_one_clear_error()
    {
        var result = await NewCli().RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-05-09");
        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("no completed candidate for btcusdt 2026-05-09", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Date_latest_picks_the_newest_ready_day_without_a_finished_job()
    {
        await SampleAsync("2026-06-01", 2, "signal");
        var cli = NewCli();
        cli.Environment["QUANTLAB_Xgboost__NumBoostRound"] = "10";
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 3, 0, 15, 0, TimeSpan.Zero));
        var timed = new CliRunner(temp.Path) { Time = clock };
        foreach (var (key, value) in cli.Environment)
        {
            timed.Environment[key] = value;
        }

        var first = Parse(await timed.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "latest", "--json"));
        Assert.Equal("2026-06-02", first.GetProperty("runs")[0].GetProperty("date").GetString());

        var second = Parse(await timed.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "latest", "--json"));
        Assert.Equal("2026-06-01", second.GetProperty("runs")[0].GetProperty("date").GetString());
    }

    [Fact]
    public async Task Waiting_for_data_that_never_comes_says_what_it_waited_for_and_exits_3()
    {
        await SampleAsync("2026-07-01", 1, "signal", "--seed", "2");
        var cli = NewCli();
        cli.Environment["QUANTLAB_DataWait__InitialDelay"] = "00:00:00.2";
        cli.Environment["QUANTLAB_DataWait__MaxDelay"] = "00:00:00.4";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-07-02", "--wait-for-data", "1s", "--json");

        Assert.Equal(ExitCodes.DataNotReady, result.ExitCode);
        var error = Parse(result).GetProperty("runs")[0].GetProperty("error").GetString();
        Assert.Contains("still not ready after waiting", error, StringComparison.Ordinal);
        Assert.Contains("20260701", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_run_leaves_a_json_log_whose_job_events_carry_the_job_id()
    {
        await SampleAsync("2026-08-01", 1, "signal", "--seed", "4");
        var cli = NewCli();
        cli.Environment["QUANTLAB_Xgboost__NumBoostRound"] = "10";

        var run = Parse(await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-08-01", "--json"));

        var runId = run.GetProperty("run_id").GetString()!;
        var log = Path.Combine(temp.Path, "store", "runs", runId, "quantlab-ml.clef");
        var events = File.ReadAllLines(log).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var training = events.Where(e => e.GetProperty("@mt").GetString()!.StartsWith("Training", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(training);
        Assert.All(training, e => Assert.Equal(run.GetProperty("runs")[0].GetProperty("job_id").GetString(), e.GetProperty("JobId").GetString()));
        Assert.All(events.Where(e => e.TryGetProperty("JobId", out _)), e => Assert.Equal("btcusdt", e.GetProperty("Symbol").GetString()));
        Assert.All(events, e => Assert.Equal(runId, e.GetProperty("RunId").GetString()));

        // Local training is not silent: the trainer's own lines are echoed while it runs, before it is reported finished.
        var template = events.Select(e => e.GetProperty("@mt").GetString()!).ToList();
        var firstEcho = template.FindIndex(t => t.StartsWith("trainer: ", StringComparison.Ordinal));
        var finished = template.FindIndex(t => t.StartsWith("Trainer finished", StringComparison.Ordinal));
        Assert.True(firstEcho >= 0 && finished > firstEcho, $"no trainer line echoed before 'Trainer finished' (echo at {firstEcho}, finished at {finished})");
        Assert.Contains(events, e => e.TryGetProperty("TrainerLine", out var line) && line.GetString()!.Contains("best_iteration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_that_finds_the_job_locked_by_a_live_run_exits_cleanly_without_training()
    {
        await SampleAsync("2026-09-01", 1, "signal", "--seed", "6");
        var holder = new QuantLab.Ml.Storage.LockRecord
        {
            Symbol = "btcusdt",
            Date = new DateOnly(2026, 9, 1),
            RunId = "run-still-going",
            OwnerHost = Environment.MachineName,
            OwnerPid = Environment.ProcessId,
            AcquiredAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.MaxValue.AddDays(-1),
        };
        Directory.CreateDirectory(Path.Combine(temp.Path, "store", "locks"));
        File.WriteAllText(Path.Combine(temp.Path, "store", "locks", "btcusdt-20260901.json"), AllJson.Serialize(holder));

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-09-01", "--json");

        // Another run holds the job: nothing was done, exit 75 (try later), never "skipped (already done)".
        Assert.True(result.ExitCode == ExitCodes.Busy, result.ToString());
        var run = Parse(result).GetProperty("runs")[0];
        Assert.Equal("held", run.GetProperty("status").GetString());
        Assert.Contains("run-still-going", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "store", "models")));
    }

    public void Dispose() => temp.Dispose();
}
