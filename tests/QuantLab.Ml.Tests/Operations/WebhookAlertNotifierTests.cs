using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using Serilog.Events;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Operations;

[Trait("Category", "Unit")]
public sealed class WebhookAlertNotifierTests : IDisposable
{
    private const string Token = "T0KEN-s3cr3t-4f9a";
    private readonly WireMockServer receiver = OpsTestKit.StartReceiver();

    private string Url => $"{receiver.Urls[0]}/hooks/{Token}";

    private static SymbolRunResult FailedRun => new()
    {
        Symbol = "btcusdt",
        Date = new DateOnly(2026, 1, 14),
        JobId = "job-btcusdt-20260114-0123456789ab",
        Status = RunStatus.Failed,
        Error = "trainer exited 3: CUDA out of memory",
    };

    private void Answer(int status) =>
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost()).RespondWith(Response.Create().WithStatusCode(status).WithBody("{\"ok\":true}"));

    private JsonElement OnlyBody()
    {
        var entry = Assert.Single(receiver.LogEntries);
        Assert.Equal("POST", entry.RequestMessage.Method);
        Assert.StartsWith("application/json", entry.RequestMessage.Headers!["Content-Type"][0], StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(entry.RequestMessage.Body!);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task A_failed_run_is_posted_as_generic_json_with_what_and_which_ids()
    {
        Answer(200);
        var (log, _) = OpsTestKit.Logger();
        var notifier = new WebhookAlertNotifier(new AlertOptions { WebhookUrl = Url }, null, TimeProvider.System, log, new BuildInfo("0.1.0", "abcdef012345"));

        var delivered = await notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-20260115T001500Z-abc123"), TestContext.Current.CancellationToken);

        Assert.True(delivered);
        var body = OnlyBody();
        Assert.Equal("run_failed", body.GetProperty("kind").GetString());
        Assert.Equal("critical", body.GetProperty("severity").GetString());
        Assert.Equal("btcusdt", body.GetProperty("symbol").GetString());
        Assert.Equal("2026-01-14", body.GetProperty("date").GetString());
        Assert.Equal("job-btcusdt-20260114-0123456789ab", body.GetProperty("job_id").GetString());
        Assert.Equal("run-20260115T001500Z-abc123", body.GetProperty("run_id").GetString());
        Assert.Contains("CUDA out of memory", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("abcdef012345", body.GetProperty("commit").GetString());
        Assert.Contains("FAILED", body.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_shape_is_a_single_text_field()
    {
        Answer(200);
        var (log, _) = OpsTestKit.Logger();
        var notifier = new WebhookAlertNotifier(new AlertOptions { WebhookUrl = Url, Format = "slack" }, null, TimeProvider.System, log);

        await notifier.NotifyAsync(Alert.InstanceLeaked("31337", "job-btcusdt-20260114-0123456789ab", "DELETE answered 500 three times"), TestContext.Current.CancellationToken);

        var body = OnlyBody();
        Assert.Equal(["text"], body.EnumerateObject().Select(p => p.Name));
        var text = body.GetProperty("text").GetString()!;
        Assert.StartsWith("[CRITICAL] quantlab-ml on ", text, StringComparison.Ordinal);
        Assert.Contains("instance 31337 could NOT be destroyed", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Telegram_shape_carries_the_chat_id_and_text_for_sendMessage()
    {
        Answer(200);
        var (log, _) = OpsTestKit.Logger();
        var options = new AlertOptions { WebhookUrl = Url, Format = "telegram", TelegramChatId = "-100123" };
        var notifier = new WebhookAlertNotifier(options, null, TimeProvider.System, log);
        var manifest = new QuantLab.Ml.Storage.ProductionManifest
        {
            Symbol = "btcusdt", Version = new DateOnly(2026, 1, 12), JobId = "job-btcusdt-20260112-0123456789ab", ModelSha256 = "a", MetricsSha256 = "b",
            HistoryPrefix = "h/", Sequence = 3, ChangedAt = DateTimeOffset.UnixEpoch, ChangedBy = "alice", Action = "rollback", Reason = "drawdown in live trading",
        };

        await notifier.NotifyAsync(Alert.RolledBack(manifest), TestContext.Current.CancellationToken);

        var body = OnlyBody();
        Assert.Equal("-100123", body.GetProperty("chat_id").GetString());
        Assert.Contains("btcusdt production rolled back to 2026-01-12 by alice", body.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_error_is_retried_and_a_later_success_counts()
    {
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost()).InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(503));
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost()).InScenario("flaky").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200));
        var (log, _) = OpsTestKit.Logger();
        var notifier = new WebhookAlertNotifier(new AlertOptions { WebhookUrl = Url, Attempts = 2 }, null, TimeProvider.System, log);

        var delivered = await notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);

        Assert.True(delivered);
        Assert.Equal(2, receiver.LogEntries.Count);
    }

    [Fact]
    public async Task A_rejected_alert_is_logged_not_thrown_and_the_log_never_shows_the_token()
    {
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(404).WithBody($"no such hook /hooks/{Token}"));
        var (log, sink) = OpsTestKit.Logger();
        var notifier = new WebhookAlertNotifier(new AlertOptions { WebhookUrl = Url, Attempts = 3 }, null, TimeProvider.System, log);

        var delivered = await notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);

        Assert.False(delivered);
        Assert.Single(receiver.LogEntries);
        var warning = Assert.Single(sink.Events, e => e.Level == LogEventLevel.Warning);
        Assert.Contains("NOT delivered", warning.RenderMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("HTTP 404", sink.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, sink.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, string.Join("\n", sink.Events.SelectMany(e => e.Properties.Values).Select(v => v.ToString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_webhook_is_logged_and_the_run_goes_on()
    {
        var (log, sink) = OpsTestKit.Logger();
        var options = new AlertOptions { WebhookUrl = $"http://127.0.0.1:{OpsTestKit.FreePort()}/hooks/{Token}", Attempts = 1 };
        var notifier = new WebhookAlertNotifier(options, null, TimeProvider.System, log);

        var delivered = await notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);

        Assert.False(delivered);
        Assert.Contains(sink.Events, e => e.Level == LogEventLevel.Warning);
        Assert.DoesNotContain(Token, sink.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_is_given_up_after_the_timeout()
    {
        // A listening socket nobody accepts from: the connection is made, the request sent, and no answer ever comes.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var (log, sink) = OpsTestKit.Logger();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = new AlertOptions { WebhookUrl = $"http://127.0.0.1:{port}/hooks/{Token}", Attempts = 1, Timeout = TimeSpan.FromSeconds(5) };
        var notifier = new WebhookAlertNotifier(options, null, time, log);

        var sending = notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);
        for (var second = 0; second < 20 && !sending.IsCompleted; second++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(await sending);
        Assert.Contains("no answer within 5 s", sink.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_is_retried_after_its_Retry_After_but_never_later_than_the_cap()
    {
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost()).InScenario("busy").WillSetStateTo("free")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "3600"));
        receiver.Given(Request.Create().WithPath("/hooks/*").UsingPost()).InScenario("busy").WhenStateIs("free")
            .RespondWith(Response.Create().WithStatusCode(200));
        var (log, sink) = OpsTestKit.Logger();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var notifier = new WebhookAlertNotifier(new AlertOptions { WebhookUrl = Url, Attempts = 3 }, null, time, log);

        var sending = notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);
        for (var i = 0; i < 200 && receiver.LogEntries.Count < 1; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        for (var i = 0; i < 200 && !sink.Text.Contains("retrying in", StringComparison.Ordinal); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        time.Advance(WebhookAlertNotifier.MaxRetryDelay - TimeSpan.FromSeconds(1));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(receiver.LogEntries); // the hour it asked for is capped, but not cut short either
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await sending);
        Assert.Equal(2, receiver.LogEntries.Count);
        Assert.Contains("retrying in 30 s", sink.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_webhook_the_alert_is_only_logged()
    {
        var (log, sink) = OpsTestKit.Logger();
        var notifier = new WebhookAlertNotifier(new AlertOptions(), null, TimeProvider.System, log);

        var delivered = await notifier.NotifyAsync(Alert.RunFailed(FailedRun, "run-1"), TestContext.Current.CancellationToken);

        Assert.False(delivered);
        Assert.Contains(sink.Events, e => e.Level == LogEventLevel.Error && e.RenderMessage(null).Contains("btcusdt 2026-01-14 FAILED", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("carrier-pigeon", null, "Alerts:Format")]
    [InlineData("telegram", null, "TelegramChatId")]
    [InlineData("generic", "ftp://example.test/hook", "WebhookUrl")]
    [InlineData("generic", "/relative/hook", "WebhookUrl")]
    public void Bad_alert_settings_are_rejected_with_the_key_named(string format, string? url, string key)
    {
        var options = new AlertOptions { Format = format, WebhookUrl = url ?? "https://api.telegram.org/botX/sendMessage" };
        var ex = Assert.Throws<UsageException>(() => options.Validate());
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printing_the_options_never_shows_the_webhook_path()
    {
        var text = new AlertOptions { WebhookUrl = Url }.ToString();
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.Contains($"{new Uri(Url).GetLeftPart(UriPartial.Authority)}/***", text, StringComparison.Ordinal);
    }

    public void Dispose() => receiver.Stop();
}
