using System.Net;
using System.Net.Http.Headers;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>The fake behaves as the contract says, so tests against it mean something for the real API.</summary>
[Trait("Category", "Unit")]
public sealed class FakeVastTests : IAsyncLifetime
{
    private FakeVastHarness h = null!;

    public async ValueTask InitializeAsync() => h = await FakeVastHarness.StartAsync();

    public async ValueTask DisposeAsync() => await h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeVast Fake => h.Fake;

    private async Task<(HttpStatusCode Status, string Body)> RawAsync(HttpMethod method, string pathAndQuery, string? key = VastTestKit.Key)
    {
        using var request = new HttpRequestMessage(method, Fake.BaseUrl + pathAndQuery);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await VastTestKit.Http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_standalone_fake_serves_offers_until_cancelled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = FakeVast.RunStandaloneAsync(0, cts.Token);
        await Task.Delay(50, Ct);

        Assert.False(run.IsCompleted);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task The_deprecated_v0_list_answers_410()
    {
        var (status, body) = await RawAsync(HttpMethod.Get, "/api/v0/instances/");

        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("deprecated_endpoint", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_key_gets_vasts_404_auth_error()
    {
        var (status, body) = await RawAsync(HttpMethod.Get, "/api/v1/instances/", key: "wrong");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("auth_error", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filtering_the_list_on_a_computed_column_is_a_400()
    {
        var (status, body) = await RawAsync(HttpMethod.Get, "/api/v1/instances/?select_filters=" + Uri.EscapeDataString("""{"dph_total":{"lt":1}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("dph_total", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_without_its_trailing_slash_is_unknown_and_recorded()
    {
        var (status, _) = await RawAsync(HttpMethod.Get, "/api/v0/users/current");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Single(Fake.UnknownCalls);
    }

    [Fact]
    public async Task An_offer_can_be_rented_only_once_and_then_leaves_the_search()
    {
        var offer = Fake.AddOffer();
        var query = OfferQuery.FromOptions(new VastOptions());

        var first = await h.Time.DriveAsync(h.Client.CreateInstanceAsync(offer, VastTestKit.Request(), Ct));
        var second = await h.Time.DriveAsync(h.Client.CreateInstanceAsync(offer, VastTestKit.Request("quantlab-ml:other"), Ct));
        var offers = await h.Time.DriveAsync(h.Client.SearchOffersAsync(query, Ct));

        Assert.IsType<CreateInstanceResult.Created>(first);
        var gone = Assert.IsType<CreateInstanceResult.OfferUnavailable>(second);
        Assert.Contains("410/3907", gone.Message, StringComparison.Ordinal);
        Assert.Empty(offers);
        Assert.Single(Fake.LiveInstances);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Search_applies_the_query_filters_and_prices_the_allocated_storage()
    {
        var cheap = Fake.AddOffer(new FakeOffer { DphBase = 0.30, StorageCost = 0.72, Geolocation = "Oslo, NO" });
        Fake.AddOffer(new FakeOffer { DphBase = 0.30, Geolocation = "Paris, FR" });
        Fake.AddOffer(new FakeOffer { DphBase = 0.30, NumGpus = 2, Geolocation = "Oslo, NO" });
        Fake.AddOffer(new FakeOffer { DphBase = 0.70, Geolocation = "Oslo, NO" });
        var query = OfferQuery.FromOptions(new VastOptions { Offers = new VastOfferDefaults { Countries = "NO", DiskGb = 100 } });

        var offers = await h.Time.DriveAsync(h.Client.SearchOffersAsync(query, Ct));

        var only = Assert.Single(offers);
        Assert.Equal(cheap, only.Id);
        Assert.Equal(0.40, only.DphTotal!.Value, 6);
    }

    [Fact]
    public async Task The_client_reads_every_page_of_a_long_list()
    {
        Fake.PageSize = 2;
        for (var i = 0; i < 5; i++)
        {
            Fake.AddInstance($"quantlab-ml:old-{i}");
        }

        Fake.AddInstance("someone-else");

        var ours = await h.Time.DriveAsync(h.Client.ListInstancesAsync("quantlab-ml:", Ct));

        Assert.Equal(5, ours.Count);
        Assert.Equal(3, h.CallsTo(FakeVastRoute.ListInstancesV1).Count);
    }

    [Theory]
    [InlineData(FakeBrokenList.EmptyBody)]
    [InlineData(FakeBrokenList.ErrorObject)]
    [InlineData(FakeBrokenList.Gone410)]
    [InlineData(FakeBrokenList.NotAList)]
    public async Task A_broken_list_is_never_read_as_no_instances(FakeBrokenList how)
    {
        Fake.AddInstance("quantlab-ml:leftover");
        Fake.BreakList(how);

        await Assert.ThrowsAsync<VastApiException>(() => h.Time.DriveAsync(h.Client.ListInstancesAsync("quantlab-ml:", Ct)));
    }

    [Fact]
    public async Task Label_and_ssh_key_land_on_the_instance()
    {
        var id = Fake.AddInstance("quantlab-ml:a");

        await h.Time.DriveAsync(h.Client.SetLabelAsync(id, "quantlab-ml:b", Ct));
        await h.Time.DriveAsync(h.Client.AttachSshKeyAsync(id, "ssh-ed25519 AAAAtest ops", Ct));

        var instance = Fake.Instance(id)!;
        Assert.Equal("quantlab-ml:b", instance.Label);
        Assert.Equal(["ssh-ed25519 AAAAtest ops"], instance.SshKeys);
    }

    [Fact]
    public async Task Destroy_is_idempotent()
    {
        var id = Fake.AddInstance("quantlab-ml:a");

        Assert.True(await h.Time.DriveAsync(h.Client.DestroyInstanceAsync(id, Ct)));
        Assert.False(await h.Time.DriveAsync(h.Client.DestroyInstanceAsync(id, Ct)));
        Assert.Null(await h.Time.DriveAsync(h.Client.GetInstanceAsync(id, Ct)));
        Assert.Empty(Fake.LiveInstances);
    }

    [Fact]
    public async Task A_dropped_connection_on_an_idempotent_call_is_retried()
    {
        var id = Fake.AddInstance("quantlab-ml:a");
        Fake.DropConnection(FakeVastRoute.DestroyInstance);

        Assert.True(await h.Time.DriveAsync(h.Client.DestroyInstanceAsync(id, Ct)));

        Assert.Equal(2, h.CallsTo(FakeVastRoute.DestroyInstance).Count);
        Assert.Empty(Fake.LiveInstances);
    }

    [Fact]
    public async Task The_instance_table_shows_seeded_instances_with_fake_time_ages()
    {
        Fake.AddInstance("quantlab-ml:old", ageHours: 3, dphTotal: 0.5);

        var instances = await h.Time.DriveAsync(h.Client.ListInstancesAsync(null, Ct));
        var row = Assert.Single(InstanceTable.Rows(instances, h.Time));

        Assert.Equal("running", row.Status);
        Assert.InRange(row.AgeSeconds!.Value, 3 * 3600, (3 * 3600) + 120);
        Assert.InRange(row.CostSoFar!.Value, 1.5, 1.52);
    }
}
