using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>The API key reaches the Authorization header and nothing else: no log, exception, URL or ToString.</summary>
[Trait("Category", "Unit")]
public sealed class VastSecretTests : IAsyncLifetime
{
    private FakeVastHarness h = null!;

    public async ValueTask InitializeAsync() => h = await FakeVastHarness.StartAsync(requestTimeout: TimeSpan.FromSeconds(30), maxRetries: 2);

    public async ValueTask DisposeAsync() => await h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string AllMessages(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }

        return string.Join(" | ", parts) + " | " + ex;
    }

    private async Task<string> FailureTextAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAnyAsync<QuantLabException>(() => h.Time.DriveAsync(call()));
        return AllMessages(ex);
    }

    [Fact]
    public async Task A_server_that_echoes_the_key_in_its_errors_never_gets_it_into_our_exceptions_or_logs()
    {
        var fake = h.Fake;
        var id = fake.AddInstance("quantlab-ml:x");
        fake.EchoAuthorizationInErrors = true;
        fake.RejectAllKeys = true;

        var texts = new List<string>
        {
            await FailureTextAsync(() => h.Client.GetCurrentUserAsync(Ct)),
            await FailureTextAsync(() => h.Client.SearchOffersAsync(new OfferQuery(), Ct)),
            await FailureTextAsync(() => h.Client.ListInstancesAsync(null, Ct)),
            await FailureTextAsync(() => h.Client.GetInstanceAsync(id, Ct)),
            await FailureTextAsync(() => h.Client.DestroyInstanceAsync(id, Ct)),
            await FailureTextAsync(() => h.Client.SetLabelAsync(id, "quantlab-ml:y", Ct)),
            await FailureTextAsync(() => h.Client.AttachSshKeyAsync(id, "ssh-ed25519 AAAAx y", Ct)),
            await FailureTextAsync(() => h.Client.CreateInstanceAsync(1, VastTestKit.Request(), Ct)),
            await FailureTextAsync(() => h.Client.WaitUntilRunningAsync(id, h.Time.GetUtcNow().AddMinutes(5), Ct)),
        };

        Assert.All(texts, t => Assert.DoesNotContain(VastTestKit.Key, t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.Contains("Invalid user key: Bearer ***", t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.Contains("the Vast API key was rejected", t, StringComparison.Ordinal));
        Assert.DoesNotContain(h.Sink.AllText(), t => t.Contains(VastTestKit.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retries_timeouts_reconciles_and_failures_log_no_key_and_send_it_only_as_a_bearer_header()
    {
        var fake = h.Fake;
        var lost = fake.AddOffer(new FakeOffer { DphBase = 0.2 });
        var hang = fake.AddOffer(new FakeOffer { DphBase = 0.21 });
        fake.AddOffer(new FakeOffer { DphBase = 0.22 });
        fake.FailCreate(lost, FakeCreateFailure.ServerErrorBeforeCreate);
        fake.FailCreate(hang, FakeCreateFailure.HangBeforeCreate);
        fake.RateLimit(FakeVastRoute.SearchOffers, 1, FakeRateLimitStyle.JsonError);
        fake.RateLimit(FakeVastRoute.ListInstancesV1, 1, FakeRateLimitStyle.Text);
        fake.FailNext(FakeVastRoute.GetInstance, 503, times: 5);
        fake.EchoAuthorizationInErrors = true;

        var rented = await h.ProvisionAsync();
        var failure = await FailureTextAsync(() => h.Client.GetInstanceAsync(rented.InstanceId, Ct));
        await h.Time.DriveAsync(h.Client.WaitUntilRunningAsync(rented.InstanceId, h.Time.GetUtcNow().AddMinutes(10), Ct));
        await h.DestroyAllAsync();

        Assert.DoesNotContain(VastTestKit.Key, failure, StringComparison.Ordinal);
        var logs = h.Sink.AllText().ToList();
        Assert.Contains(logs, t => t.Contains("retrying in", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, t => t.Contains(VastTestKit.Key, StringComparison.Ordinal));
        Assert.All(fake.Calls, c =>
        {
            Assert.DoesNotContain(VastTestKit.Key, c.Path + "?" + c.Query + c.Body, StringComparison.Ordinal);
            Assert.Equal($"Bearer {VastTestKit.Key}", c.Authorization);
        });
        Assert.Empty(fake.LiveInstances);
    }

    [Fact]
    public void Records_print_no_secrets()
    {
        var request = VastTestKit.Request();
        var created = new CreateInstanceResult.Created { InstanceId = 1, InstanceApiKey = new Secret("inst-key-abc"), Message = "created" };

        Assert.DoesNotContain("SECRETSIG", request.ToString(), StringComparison.Ordinal);
        Assert.Contains("DATA_URL", request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("inst-key-abc", created.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(VastTestKit.Key, h.Options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(VastTestKit.Key, h.Client.ToString(), StringComparison.Ordinal);
    }
}
