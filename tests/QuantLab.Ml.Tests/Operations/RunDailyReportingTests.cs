using System.Globalization;
using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>What run-daily tells the outside world when a night fails: the webhook, the metrics file and the logs.</summary>
[Trait("Category", "Unit")]
public sealed class RunDailyReportingTests : IDisposable
{
    private readonly TempDir temp = new();
    private readonly WireMockServer receiver = OpsTestKit.StartReceiver();

    private CliRunner Cli()
    {
        receiver.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Alerts__WebhookUrl"] = $"{receiver.Urls[0]}/hook";
        cli.Environment["QUANTLAB_Metrics__TextfileDir"] = temp.Combine("textfile");
        return cli;
    }

    [Fact]
    public async Task A_failed_night_is_alerted_and_published_as_failed_in_the_metrics_file()
    {
        var result = await Cli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "no-data", "--store", "store");

        Assert.True(result.ExitCode == ExitCodes.Failed, result.ToString());
        var alert = Assert.Single(receiver.LogEntries);
        using var body = JsonDocument.Parse(alert.RequestMessage.Body!);
        Assert.Equal("run_failed", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("btcusdt", body.RootElement.GetProperty("symbol").GetString());
        Assert.Contains("compacted/_state.json", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var samples = PrometheusText.Parse(await File.ReadAllTextAsync(temp.Combine("textfile", "quantlab_ml.prom"), TestContext.Current.CancellationToken));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_status", ("symbol", "btcusdt"), ("status", "failed")));
        Assert.Equal(0, samples.Value("quantlab_ml_run_daily_last_success"));
        Assert.Equal(0, samples.Value("quantlab_ml_symbol_healthy", ("symbol", "btcusdt")));
    }

    [Fact]
    public async Task Without_a_terminal_stderr_has_plain_timestamped_lines_and_the_json_log_has_the_run_id_on_every_event()
    {
        var result = await Cli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "no-data", "--store", "store", "--json");

        var logLines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(logLines);
        Assert.All(logLines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (INF|WRN|ERR|DBG) ", l));
        Assert.DoesNotContain('\u001b', result.Stderr);

        using var doc = JsonDocument.Parse(result.Stdout);
        var runId = doc.RootElement.GetProperty("run_id").GetString()!;
        var clef = File.ReadAllLines(temp.Combine("store", "runs", runId, "quantlab-ml.clef"));
        Assert.NotEmpty(clef);
        Assert.All(clef, line =>
        {
            using var e = JsonDocument.Parse(line);
            Assert.Equal(runId, e.RootElement.GetProperty("RunId").GetString());
        });
    }

    [Fact]
    public async Task A_dry_run_alerts_nothing_and_writes_no_metrics()
    {
        var result = await Cli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "no-data", "--store", "store", "--dry-run");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Empty(receiver.LogEntries);
        Assert.False(Directory.Exists(temp.Combine("textfile")));
    }

    [Fact]
    public async Task An_aborted_run_is_alerted_recorded_and_rethrown_even_when_the_store_cannot_be_opened()
    {
        receiver.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var (log, _) = OpsTestKit.Logger();
        var options = new NightlyReportOptions
        {
            Alerts = new AlertOptions { WebhookUrl = $"{receiver.Urls[0]}/hook" },
            Metrics = new MetricsOptions { TextfileDir = temp.Combine("textfile") },
        };
        var notifier = WebhookAlertNotifier.Create(options.Alerts, TimeProvider.System, log);
        var reporter = new NightlyReporter(options, notifier, () => throw new IOException("store unreachable"), null, TimeProvider.System, log);

        var ex = await Assert.ThrowsAsync<IOException>(() => reporter.RunAsync(_ => throw new IOException("disk full"), dryRun: false, "run-x", TestContext.Current.CancellationToken));

        Assert.Equal("disk full", ex.Message);

        using var body = JsonDocument.Parse(Assert.Single(receiver.LogEntries).RequestMessage.Body!);
        Assert.Contains("ABORTED", body.RootElement.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("disk full", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var samples = PrometheusText.Parse(await File.ReadAllTextAsync(temp.Combine("textfile", "quantlab_ml.prom"), TestContext.Current.CancellationToken));
        Assert.Equal(0, samples.Value("quantlab_ml_run_daily_last_success"));
    }

    [Fact]
    public async Task After_sigterm_a_hanging_webhook_holds_the_process_no_longer_than_the_store_write_budget()
    {
        // The webhook never answers; each attempt may wait 2 min and there are 10 of them: 20 min without a bound.
        receiver.Given(Request.Create().WithPath("/hang").UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromMinutes(5)));
        var (log, sink) = OpsTestKit.Logger();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 14, 0, 15, 0, TimeSpan.Zero));
        var options = new NightlyReportOptions
        {
            Alerts = new AlertOptions { WebhookUrl = $"{receiver.Urls[0]}/hang", Timeout = TimeSpan.FromMinutes(2), Attempts = 10 },
            Metrics = new MetricsOptions { TextfileDir = temp.Combine("textfile") },
            WriteBudget = TimeSpan.FromSeconds(15),
        };
        var reporter = new NightlyReporter(options, WebhookAlertNotifier.Create(options.Alerts, time, log), () => throw new IOException("no store"), null, time, log);
        using var sigterm = new CancellationTokenSource();
        await sigterm.CancelAsync();
        var started = time.GetUtcNow();

        var run = reporter.RunAsync(token => Task.FromCanceled<QuantLab.Ml.Pipeline.RunDailyResult>(token), dryRun: false, "run-x", sigterm.Token);

        // Drive the clock a second at a time (real time is only the guard) until the reporter gives up.
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (!run.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(30))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(run.IsCompleted, $"still reporting after {time.GetUtcNow() - started} of fake time");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.InRange(time.GetUtcNow() - started, TimeSpan.Zero, TimeSpan.FromSeconds(17));
        Assert.Contains("cleanup budget", sink.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_webhook_does_not_change_the_outcome_of_the_run()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Alerts__WebhookUrl"] = $"http://127.0.0.1:{OpsTestKit.FreePort()}/hook";
        cli.Environment["QUANTLAB_Alerts__Attempts"] = "1";

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "no-data", "--store", "store");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("NOT delivered", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        receiver.Stop();
        temp.Dispose();
    }
}

/// <summary>A real night on the local trainer: the promotion is alerted, the metrics carry the candidate, and status is healthy.</summary>
[Trait("Category", "Integration")]
public sealed class RunDailyReportingEndToEndTests : IDisposable
{
    private readonly TempDir temp = new();
    private readonly WireMockServer receiver = OpsTestKit.StartReceiver();

    [Fact]
    public async Task A_promoted_night_is_alerted_published_and_healthy()
    {
        receiver.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_Alerts__WebhookUrl"] = $"{receiver.Urls[0]}/hook";
        cli.Environment["QUANTLAB_Alerts__Format"] = "slack";
        cli.Environment["QUANTLAB_Metrics__TextfileDir"] = temp.Combine("textfile");
        var sample = await cli.RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-01-14", "--days", "1", "--hours", "6", "--rate", "4", "--regime", "signal", "--seed", "11", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());

        var run = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-14", "--data", "data", "--store", "store");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var body = JsonDocument.Parse(Assert.Single(receiver.LogEntries).RequestMessage.Body!);
        Assert.Contains("btcusdt 2026-01-14 promoted to production", body.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);

        var samples = PrometheusText.Parse(await File.ReadAllTextAsync(temp.Combine("textfile", "quantlab_ml.prom"), TestContext.Current.CancellationToken));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_status", ("symbol", "btcusdt"), ("status", "succeeded")));
        Assert.Equal(1, samples.Value("quantlab_ml_last_run_promotion", ("symbol", "btcusdt"), ("decision", "promoted")));
        Assert.Equal(1, samples.Value("quantlab_ml_run_daily_last_success"));
        var candidate = await new ModelRegistry(new FolderArtifactStore(temp.Combine("store")), TimeProvider.System)
            .GetCandidateAsync("btcusdt", new DateOnly(2026, 1, 14), TestContext.Current.CancellationToken);
        Assert.NotNull(candidate);
        using var stored = JsonDocument.Parse(await File.ReadAllTextAsync(temp.Combine("store", "models", "candidates", "btcusdt", "2026-01-14", "metrics.json"), TestContext.Current.CancellationToken));
        Assert.Equal(stored.RootElement.GetProperty("directional_accuracy").GetDouble(), samples.Value("quantlab_ml_candidate_directional_accuracy", ("symbol", "btcusdt")));
        Assert.Equal(stored.RootElement.GetProperty("directional_accuracy").GetDouble(), samples.Value("quantlab_ml_production_directional_accuracy", ("symbol", "btcusdt")));

        var status = await cli.RunAsync("status", "--store", "store", "--symbol", "btcusdt");
        Assert.True(status.ExitCode == ExitCodes.Ok, status.ToString());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"production  2026-01-14  promote"), status.Stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        receiver.Stop();
        temp.Dispose();
    }
}
