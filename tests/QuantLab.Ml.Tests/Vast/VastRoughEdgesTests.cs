using System.Net;
using System.Net.Http.Headers;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>
/// The real API's rough edges, in the fake and in the client: slow creates, instance-scoped keys, keys refused while an
/// instance loads, external and old-CUDA offers, per-endpoint pacing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class VastRoughEdgesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Small clock steps: the fake's slow create and the client's timeout both run on the fake clock.
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(0.2);

    private static async Task<(HttpStatusCode Status, string Body)> RawAsync(FakeVast fake, HttpMethod method, string path, string? key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, fake.BaseUrl + path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await VastTestKit.Http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Two offers whose creates take 40 s; other calls time out after 30 s, creates after <paramref name="createTimeout"/>.</summary>
    private static async Task<FakeVastHarness> SlowCreatesAsync(TimeSpan createTimeout)
    {
        var h = await FakeVastHarness.StartAsync(requestTimeout: TimeSpan.FromSeconds(30), createTimeout: createTimeout);
        h.Fake.AddOffer(new FakeOffer { DphBase = 0.30 });
        h.Fake.AddOffer(new FakeOffer { DphBase = 0.31 });
        h.Fake.CreateDelay = TimeSpan.FromSeconds(40);
        return h;
    }

    [Fact]
    public void A_create_waits_as_long_as_the_vast_cli_and_other_calls_stay_short()
    {
        var options = new VastOptions();

        Assert.Equal(TimeSpan.FromSeconds(120), options.CreateTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
    }

    [Theory]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----")]
    [InlineData("ssh-ed25519")]
    [InlineData("ssh-ed25519 AAAA on-call\nssh-rsa AAAA other")]
    public void An_operator_key_that_is_not_one_public_key_line_is_a_usage_error(string key)
    {
        var error = Assert.Throws<QuantLab.Ml.Common.UsageException>(() => new VastOptions { OperatorPublicKeys = [key] }.Validate());

        Assert.Contains("OperatorPublicKeys", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", error.Message, StringComparison.Ordinal);
        Assert.Equal(["ssh-ed25519 AAAAC3Nza on-call"], new VastOptions { OperatorPublicKeys = ["ssh-ed25519 AAAAC3Nza on-call"] }.Validate().OperatorPublicKeys);
    }

    [Fact]
    public async Task A_create_that_answers_after_40_s_rents_one_machine_once()
    {
        await using var h = await SlowCreatesAsync(createTimeout: TimeSpan.FromSeconds(120));

        var rented = await h.Time.DriveAsync(h.Provisioner.ProvisionAsync(FakeVastHarness.Request(), Ct), Step);

        Assert.False(rented.Adopted);
        Assert.Single(h.CallsTo(FakeVastRoute.CreateInstance));
        Assert.Equal([rented.InstanceId], h.Fake.CreatedInstanceIds);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task A_create_timeout_shorter_than_the_create_rents_two_machines_for_one_job()
    {
        // Why a create gets 120 s: at 30 s the slow create reads as "unknown", nothing carries the label yet, the next
        // offer is tried (and times out the same way), and two machines are rented for one job.
        await using var h = await SlowCreatesAsync(createTimeout: TimeSpan.FromSeconds(30));

        await h.Time.DriveAsync(h.Provisioner.ProvisionAsync(FakeVastHarness.Request(), Ct), Step);
        for (var i = 0; i < 400 && h.Fake.CreatedInstanceIds.Count < 2; i++)
        {
            await Task.Delay(5, Ct);
            h.Time.Advance(Step);
        }

        Assert.Equal(2, h.Fake.CreatedInstanceIds.Count);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task An_instance_key_acts_only_on_its_own_instance()
    {
        await using var h = await FakeVastHarness.StartAsync();
        var mine = h.Fake.AddInstance("quantlab-ml:a");
        var other = h.Fake.AddInstance("quantlab-ml:b");
        var key = FakeVast.InstanceKey(mine);

        Assert.Equal(HttpStatusCode.OK, (await RawAsync(h.Fake, HttpMethod.Get, $"/api/v0/instances/{mine}/", key)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RawAsync(h.Fake, HttpMethod.Get, $"/api/v0/instances/{other}/", key)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RawAsync(h.Fake, HttpMethod.Delete, $"/api/v0/instances/{other}/", key, "{}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RawAsync(h.Fake, HttpMethod.Get, "/api/v1/instances/", key)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RawAsync(h.Fake, HttpMethod.Put, "/api/v0/asks/41000/", key, "{\"image\":\"x\",\"disk\":10}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await RawAsync(h.Fake, HttpMethod.Delete, $"/api/v0/instances/{mine}/", key, "{}")).Status);

        Assert.Equal([other], h.Fake.LiveInstances.Select(i => i.Id));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task A_fake_whose_instance_keys_may_not_destroy_refuses_the_delete_and_the_instance_bills_on()
    {
        await using var h = await FakeVastHarness.StartAsync();
        var mine = h.Fake.AddInstance("quantlab-ml:a");
        h.Fake.InstanceKeysMayDestroy = false;

        var answer = await RawAsync(h.Fake, HttpMethod.Delete, $"/api/v0/instances/{mine}/", FakeVast.InstanceKey(mine), "{}");

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Single(h.Fake.LiveInstances);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Keys_are_refused_while_the_instance_loads_and_accepted_once_it_runs()
    {
        await using var h = await FakeVastHarness.StartAsync();
        h.Fake.AddOffer(new FakeOffer { Schedule = FakeInstanceSchedule.Boot(provisioningPolls: 1, loadingPolls: 2) });
        var id = (await h.ProvisionAsync()).InstanceId;

        var early = await Assert.ThrowsAsync<VastApiException>(() => h.Time.DriveAsync(h.Client.AttachSshKeyAsync(id, "ssh-ed25519 AAAAtest job", Ct)));
        await h.Time.DriveAsync(h.Client.WaitUntilRunningAsync(id, h.Time.GetUtcNow().AddMinutes(10), Ct));
        await h.Time.DriveAsync(h.Client.AttachSshKeyAsync(id, "ssh-ed25519 AAAAtest job", Ct));

        Assert.Equal(400, early.StatusCode);
        Assert.Equal(["ssh-ed25519 AAAAtest job"], h.Fake.Instance(id)!.SshKeys);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task The_default_search_leaves_out_external_offers_and_hosts_whose_driver_cannot_run_cuda_12()
    {
        await using var h = await FakeVastHarness.StartAsync();
        h.Fake.AddOffer(new FakeOffer { DphBase = 0.10, External = true });
        h.Fake.AddOffer(new FakeOffer { DphBase = 0.11, CudaMaxGood = 11.8 });
        h.Fake.AddOffer(new FakeOffer { DphBase = 0.12, CudaMaxGood = 12.2 });
        var good = h.Fake.AddOffer(new FakeOffer { DphBase = 0.40 });

        var offers = await h.Time.DriveAsync(h.Client.SearchOffersAsync(OfferQuery.FromOptions(new VastOptions()), Ct));

        Assert.Equal([good], offers.Select(o => o.Id));
        var body = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(h.CallsTo(FakeVastRoute.SearchOffers)).Body)!;
        Assert.False((bool)body["external"]!["eq"]!);
        Assert.Equal(12.4, (double)body["cuda_max_good"]!["gte"]!);
        Assert.Equal(500, (int)body["compute_cap"]!["gte"]!);
    }

    [Fact]
    public async Task The_fake_paces_each_endpoint_and_a_paced_client_never_trips_it()
    {
        await using var h = await FakeVastHarness.StartAsync();
        // Vast's threshold is a little under what the client waits (as 4.5 s against the client's 5 s for creates).
        h.Fake.Pacing[FakeVastRoute.SearchOffers] = TimeSpan.FromSeconds(5);
        h.Fake.AddOffer();
        const string Query = "{\"limit\":5}";

        var first = await RawAsync(h.Fake, HttpMethod.Post, "/api/v0/bundles/", null, Query);
        var tooSoon = await RawAsync(h.Fake, HttpMethod.Post, "/api/v0/bundles/", null, Query);
        var otherEndpoint = await RawAsync(h.Fake, HttpMethod.Get, "/api/v0/users/current/", VastTestKit.Key);
        h.Time.Advance(TimeSpan.FromSeconds(5));
        var later = await RawAsync(h.Fake, HttpMethod.Post, "/api/v0/bundles/", null, Query);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal((HttpStatusCode)429, tooSoon.Status);
        Assert.Contains("too frequent", tooSoon.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, otherEndpoint.Status);
        Assert.Equal(HttpStatusCode.OK, later.Status);

        // The client's own pacing (6 s for searches by default) keeps it under the limit: three searches, no 429.
        h.Time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
        {
            await h.Time.DriveAsync(h.Client.SearchOffersAsync(OfferQuery.FromOptions(new VastOptions()), Ct), Step);
        }

        Assert.All(h.CallsTo(FakeVastRoute.SearchOffers).Skip(3), c => Assert.Equal(200, c.StatusCode));
    }
}
