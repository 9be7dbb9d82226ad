using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using Polly.Testing;
using Polly.Timeout;
using QuantLab.Ml.Vast;
using Serilog.Events;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>Pacing, backoff and timeouts of the Vast pipeline, with time driven by a fake clock.</summary>
[Trait("Category", "Unit")]
public sealed class VastResilienceTests : IDisposable
{
    private const string InstanceJson = """{"instances":{"id":77,"actual_status":"running"}}""";
    private readonly WireMockServer server = VastTestKit.StartWireMock();
    private readonly FakeTimeProvider time = VastTestKit.NewClock();
    private readonly ListSink sink = new();

    public void Dispose() => server.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private VastClient Client(VastPacingOptions? pacing = null, VastBackoffOptions? backoff = null, TimeSpan? timeout = null) =>
        VastTestKit.Client(
            VastTestKit.Options(server.Url!, pacing) with
            {
                Backoff = backoff ?? new VastBackoffOptions(),
                RequestTimeout = timeout ?? TimeSpan.FromMinutes(10),
                CreateTimeout = timeout ?? TimeSpan.FromMinutes(10),
            },
            time,
            sink);

    private static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    private static IResponseBuilder Text(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "text/plain").WithBody(body);

    /// <summary>Answers successive calls to <paramref name="path"/> with the given responses, the last one forever.</summary>
    private void Sequence(string method, string path, params IResponseBuilder[] responses)
    {
        for (var i = 0; i < responses.Length; i++)
        {
            var mapping = server.Given(Request.Create().WithPath(path).UsingMethod(method)).InScenario(path);
            if (i > 0)
            {
                mapping = mapping.WhenStateIs($"s{i}");
            }

            if (i < responses.Length - 1)
            {
                mapping = mapping.WillSetStateTo($"s{i + 1}");
            }

            mapping.RespondWith(responses[i]);
        }
    }

    [Fact]
    public async Task The_pipeline_is_retry_then_pacing_then_timeout_with_the_configured_numbers()
    {
        var options = new VastOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(45),
            Backoff = new VastBackoffOptions { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(30), MaxRetries = 4 },
        };

        var descriptor = VastResilience.Create(options, time, sink.CreateLogger()).GetPipelineDescriptor();

        Assert.Equal(3, descriptor.Strategies.Count);
        var retry = Assert.IsType<RetryStrategyOptions<VastHttpResponse>>(descriptor.Strategies[0].Options);
        Assert.Equal(TimeSpan.FromSeconds(2), retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(30), retry.MaxDelay);
        Assert.Equal(4, retry.MaxRetryAttempts);
        Assert.Equal(DelayBackoffType.Exponential, retry.BackoffType);
        Assert.True(retry.UseJitter);
        var timeout = Assert.IsType<TimeoutStrategyOptions>(descriptor.Strategies[2].Options);
        var context = ResilienceContextPool.Shared.Get(Ct);
        context.Properties.Set(VastResilience.EndpointKey, VastEndpoint.GetInstance);
        Assert.Equal(TimeSpan.FromSeconds(45), await timeout.TimeoutGenerator!(new TimeoutGeneratorArguments(context)));

        // Only a create gets the CLI's 120 s.
        context.Properties.Set(VastResilience.EndpointKey, VastEndpoint.CreateInstance);
        Assert.Equal(TimeSpan.FromSeconds(120), await timeout.TimeoutGenerator!(new TimeoutGeneratorArguments(context)));
        ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public async Task A_second_call_to_the_same_endpoint_waits_for_the_pacing_interval()
    {
        server.Given(Request.Create().WithPath("/api/v0/instances/77/").UsingGet()).RespondWith(Json(200, InstanceJson));
        var client = Client(VastPacingOptions.None with { GetInstance = TimeSpan.FromSeconds(2) });
        await client.GetInstanceAsync(77, Ct);

        var second = client.GetInstanceAsync(77, Ct);

        // Nothing but the fake clock can release the second call, so these checks do not depend on speed.
        Assert.False(second.IsCompleted);
        Assert.Single(await server.RequestsAsync(1));
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(second.IsCompleted);
        Assert.Single(await server.RequestsAsync(1));
        time.Advance(TimeSpan.FromSeconds(0.1));
        await second.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(2, (await server.RequestsAsync(2)).Count);
    }

    [Fact]
    public async Task Different_endpoints_are_paced_independently()
    {
        server.Given(Request.Create().WithPath("/api/v0/instances/77/").UsingGet()).RespondWith(Json(200, InstanceJson));
        server.Given(Request.Create().WithPath("/api/v0/instances/77/").UsingDelete()).RespondWith(Json(200, """{"success":true}"""));
        var client = Client(VastPacingOptions.None with { GetInstance = TimeSpan.FromSeconds(30), DestroyInstance = TimeSpan.FromSeconds(30) });

        await client.GetInstanceAsync(77, Ct);
        await client.DestroyInstanceAsync(77, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(2, (await server.RequestsAsync(2)).Count);
    }

    [Fact]
    public async Task Idempotent_calls_ride_out_429s_in_every_body_style_and_gateway_errors()
    {
        Sequence(
            "GET",
            "/api/v0/instances/77/",
            Text(429, "API requests too frequent: endpoint threshold=2.0"),
            Json(429, """{"detail":"API requests too frequent endpoint threshold=2.0"}"""),
            Json(429, """{"success":false,"error":"rate_limit_exceeded","msg":"API requests too frequent"}"""),
            Text(502, "Bad Gateway"),
            Text(503, "Service Unavailable"),
            Text(504, "Gateway Timeout"),
            Json(200, InstanceJson));
        var client = Client(backoff: new VastBackoffOptions { MaxRetries = 6 });

        var instance = await time.DriveAsync(client.GetInstanceAsync(77, Ct));

        Assert.Equal("running", instance!.ActualStatus);
        Assert.Equal(7, (await server.RequestsAsync(7)).Count);
        Assert.Equal(6, sink.Messages(LogEventLevel.Warning).Count(m => m.Contains("retrying in", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Network_errors_on_idempotent_calls_are_retried_then_reported_as_unreachable()
    {
        var port = server.Port;
        server.Stop();
        var client = VastTestKit.Client(
            VastTestKit.Options($"http://127.0.0.1:{port}") with { Backoff = new VastBackoffOptions { MaxRetries = 2 } }, time, sink);

        var ex = await Assert.ThrowsAsync<VastApiException>(() => time.DriveAsync(client.DestroyInstanceAsync(77, Ct)));

        Assert.True(ex.IsTransient);
        Assert.StartsWith("cannot reach Vast for DELETE /api/v0/instances/77/", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, sink.Messages(LogEventLevel.Warning).Count(m => m.Contains("HttpRequestException", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Backoff_delays_grow_but_never_exceed_the_cap_and_a_lasting_429_fails_loudly()
    {
        server.Given(Request.Create().WithPath("/api/v1/instances/").UsingGet()).RespondWith(Text(429, "API requests too frequent: endpoint threshold=1.0"));
        var client = Client(backoff: new VastBackoffOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4), MaxRetries = 6 });

        var ex = await Assert.ThrowsAsync<VastApiException>(() => time.DriveAsync(client.ListInstancesAsync(null, Ct), TimeSpan.FromMilliseconds(250)));

        Assert.Equal(429, ex.StatusCode);
        Assert.True(ex.IsTransient);
        Assert.Contains("rate limited", ex.Message, StringComparison.Ordinal);
        Assert.Equal(7, (await server.RequestsAsync(7)).Count);
        var delays = sink.Events
            .Where(e => e.Properties.ContainsKey("DelayMs"))
            .Select(e => TimeSpan.FromMilliseconds(double.Parse(e.Properties["DelayMs"].ToString(), System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(6, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(4)));
    }

    [Fact]
    public async Task A_create_is_sent_once_even_when_the_answer_is_a_503_or_a_429()
    {
        Sequence("PUT", "/api/v0/asks/5/", Text(503, "Service Unavailable"), Text(429, "API requests too frequent"), Json(200, """{"success":true,"new_contract":9}"""));
        var client = Client();

        var first = await time.DriveAsync(client.CreateInstanceAsync(5, VastTestKit.Request(), Ct));
        Assert.IsType<CreateInstanceResult.Ambiguous>(first);
        Assert.Single(await server.RequestsAsync(1));

        var second = await time.DriveAsync(client.CreateInstanceAsync(5, VastTestKit.Request(), Ct));
        Assert.IsType<CreateInstanceResult.RateLimited>(second);
        Assert.Equal(2, (await server.RequestsAsync(2)).Count);
    }

    [Fact]
    public async Task A_slow_answer_hits_the_per_call_timeout_and_a_slow_create_is_ambiguous()
    {
        server.Given(Request.Create().WithPath("/api/v0/asks/5/").UsingPut())
            .RespondWith(Json(200, """{"success":true,"new_contract":9}""").WithDelay(TimeSpan.FromSeconds(1)));
        var client = Client(timeout: TimeSpan.FromSeconds(30));

        var result = await time.DriveAsync(client.CreateInstanceAsync(5, VastTestKit.Request(), Ct));

        var ambiguous = Assert.IsType<CreateInstanceResult.Ambiguous>(result);
        Assert.Contains("did not answer within 30 s", ambiguous.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_idempotent_call_is_retried_then_reported_as_a_timeout()
    {
        server.Given(Request.Create().WithPath("/api/v0/users/current/").UsingGet())
            .RespondWith(Json(200, """{"id":1}""").WithDelay(TimeSpan.FromSeconds(1)));
        var client = Client(backoff: new VastBackoffOptions { MaxRetries = 1 }, timeout: TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<VastApiException>(() => time.DriveAsync(client.GetCurrentUserAsync(Ct)));

        Assert.True(ex.IsTransient);
        Assert.Null(ex.StatusCode);
        Assert.Contains("did not answer within 30 s", ex.Message, StringComparison.Ordinal);
        Assert.Single(sink.Messages(LogEventLevel.Warning), m => m.Contains("TimeoutRejectedException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancellation_stops_a_paced_wait_at_once()
    {
        server.Given(Request.Create().WithPath("/api/v0/instances/77/").UsingGet()).RespondWith(Json(200, InstanceJson));
        var client = Client(VastPacingOptions.None with { GetInstance = TimeSpan.FromMinutes(5) });
        await client.GetInstanceAsync(77, Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var second = client.GetInstanceAsync(77, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Single(await server.RequestsAsync(1));
    }
}
