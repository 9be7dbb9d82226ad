using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>Renting against the fake Vast: every create outcome ends with exactly the instances the caller owns, or none.</summary>
[Trait("Category", "Unit")]
public sealed class VastInstanceProvisionerTests : IAsyncLifetime
{
    private FakeVastHarness h = null!;

    public async ValueTask InitializeAsync() => h = await FakeVastHarness.StartAsync(requestTimeout: TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync() => await h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeVast Fake => h.Fake;

    [Fact]
    public async Task Rents_the_cheapest_matching_offer_with_our_label_env_and_onstart()
    {
        Fake.AddOffer(new FakeOffer { DphBase = 0.45 });
        var cheapest = Fake.AddOffer(new FakeOffer { DphBase = 0.30 });
        Fake.AddOffer(new FakeOffer { DphBase = 0.31, Reliability2 = 0.999 });
        Fake.AddOffer(new FakeOffer { DphBase = 0.10, GpuName = "RTX 3090" });
        Fake.AddOffer(new FakeOffer { DphBase = 0.20, Reliability2 = 0.80 });

        var rented = await h.ProvisionAsync();

        Assert.Equal(cheapest, rented.Offer.Id);
        Assert.False(rented.Adopted);
        var live = Assert.Single(Fake.LiveInstances);
        Assert.Equal(rented.InstanceId, live.Id);
        Assert.Equal("quantlab-ml:btcusdt-20260313-abc123", live.Label);
        Assert.Equal("job-btcusdt-20260313", live.Env["QUANTLAB_JOB"]);
        Assert.Equal("echo started", live.Onstart);
        Assert.Equal(50, live.DiskGb);
        Assert.Equal(1, await h.DestroyAllAsync());
        Assert.Empty(Fake.LiveInstances);
        Assert.Empty(Fake.UnknownCalls);
    }

    [Fact]
    public async Task Moves_to_the_next_offer_when_one_vanished_between_search_and_create()
    {
        var first = Fake.AddOffer(new FakeOffer { DphBase = 0.20 });
        var second = Fake.AddOffer(new FakeOffer { DphBase = 0.21 });
        var third = Fake.AddOffer(new FakeOffer { DphBase = 0.22 });
        Fake.FailCreate(first, FakeCreateFailure.OfferGone404);
        Fake.FailCreate(second, FakeCreateFailure.OfferGone410);

        var rented = await h.ProvisionAsync();

        Assert.Equal(third, rented.Offer.Id);
        Assert.Equal(3, rented.OffersTried);
        Assert.Equal([first, second, third], h.CallsTo(FakeVastRoute.CreateInstance).Select(c => long.Parse(c.Path.Split('/')[4], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Single(Fake.LiveInstances);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Destroys_leftover_contract_when_create_fails_then_rents_the_next_offer()
    {
        var first = Fake.AddOffer(new FakeOffer { DphBase = 0.20 });
        Fake.AddOffer(new FakeOffer { DphBase = 0.21 });
        Fake.FailCreate(first, FakeCreateFailure.FailedWithContract);

        var rented = await h.ProvisionAsync();

        var leftover = Fake.CreatedInstanceIds[0];
        Assert.NotEqual(leftover, rented.InstanceId);
        Assert.Contains(leftover, Fake.DestroyedInstanceIds);
        var order = Fake.Calls.Where(c => c.Route is FakeVastRoute.CreateInstance or FakeVastRoute.DestroyInstance).Select(c => c.Route).ToList();
        Assert.Equal([FakeVastRoute.CreateInstance, FakeVastRoute.DestroyInstance, FakeVastRoute.CreateInstance], order);
        Assert.Equal([rented.InstanceId], Fake.LiveInstances.Select(i => i.Id));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Adopts_the_instance_found_by_label_when_the_create_answer_was_a_5xx()
    {
        var offer = Fake.AddOffer();
        Fake.AddOffer(new FakeOffer { DphBase = 0.5 });
        Fake.FailCreate(offer, FakeCreateFailure.ServerErrorAfterCreate);

        var rented = await h.ProvisionAsync();

        Assert.True(rented.Adopted);
        Assert.Equal(offer, rented.Offer.Id);
        Assert.Single(h.CallsTo(FakeVastRoute.CreateInstance));
        Assert.Equal([rented.InstanceId], Fake.LiveInstances.Select(i => i.Id));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Adopts_the_instance_when_the_create_answer_never_came()
    {
        var offer = Fake.AddOffer();
        Fake.FailCreate(offer, FakeCreateFailure.HangAfterCreate);

        var rented = await h.ProvisionAsync();

        Assert.True(rented.Adopted);
        Assert.Single(h.CallsTo(FakeVastRoute.CreateInstance));
        Assert.Single(Fake.LiveInstances);
        await h.DestroyAllAsync();
    }

    [Theory]
    [InlineData(FakeCreateFailure.ServerErrorBeforeCreate)]
    [InlineData(FakeCreateFailure.HangBeforeCreate)]
    public async Task Checks_the_label_before_trying_another_offer_when_nothing_was_created(FakeCreateFailure failure)
    {
        var first = Fake.AddOffer(new FakeOffer { DphBase = 0.20 });
        var second = Fake.AddOffer(new FakeOffer { DphBase = 0.21 });
        Fake.FailCreate(first, failure);

        var rented = await h.ProvisionAsync();

        Assert.Equal(second, rented.Offer.Id);
        var order = Fake.Calls.Where(c => c.Route is FakeVastRoute.CreateInstance or FakeVastRoute.ListInstancesV1).Select(c => c.Route).ToList();
        // Look before the next create; after it succeeds, look again for a late duplicate of the lost one.
        Assert.Equal([FakeVastRoute.CreateInstance, FakeVastRoute.ListInstancesV1, FakeVastRoute.CreateInstance, FakeVastRoute.ListInstancesV1], order);
        Assert.Contains("select_filters", h.CallsTo(FakeVastRoute.ListInstancesV1)[0].Query, StringComparison.Ordinal);
        Assert.Equal([rented.InstanceId], Fake.LiveInstances.Select(i => i.Id));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Destroys_a_lost_create_that_shows_up_late_once_another_offer_is_rented()
    {
        var first = Fake.AddOffer(new FakeOffer { DphBase = 0.20 });
        Fake.AddOffer(new FakeOffer { DphBase = 0.21 });
        Fake.FailCreate(first, FakeCreateFailure.ServerErrorAfterLateCreate);

        var rented = await h.ProvisionAsync();

        Assert.Equal(2, Fake.CreatedInstanceIds.Count);
        Assert.Equal([rented.InstanceId], Fake.LiveInstances.Select(i => i.Id));
        Assert.Contains(Fake.CreatedInstanceIds[0], Fake.DestroyedInstanceIds);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Waits_out_a_rate_limited_create_and_looks_before_trying_again()
    {
        Fake.AddOffer();
        Fake.RateLimit(FakeVastRoute.CreateInstance, times: 2);

        var rented = await h.ProvisionAsync();

        var order = Fake.Calls.Where(c => c.Route is FakeVastRoute.CreateInstance or FakeVastRoute.ListInstancesV1).Select(c => (c.Route, c.StatusCode)).ToList();
        Assert.Equal(
            [(FakeVastRoute.CreateInstance, 429), (FakeVastRoute.ListInstancesV1, 200), (FakeVastRoute.CreateInstance, 429), (FakeVastRoute.ListInstancesV1, 200), (FakeVastRoute.CreateInstance, 200)],
            order);
        Assert.Equal([rented.InstanceId], Fake.LiveInstances.Select(i => i.Id));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Stops_at_once_when_vast_refuses_for_lack_of_credit()
    {
        var offer = Fake.AddOffer();
        Fake.AddOffer(new FakeOffer { DphBase = 0.5 });
        Fake.FailCreate(offer, FakeCreateFailure.InsufficientCredit);

        var ex = await Assert.ThrowsAsync<VastProvisioningException>(() => h.ProvisionAsync());

        Assert.Contains("Insufficient credits", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.CallsTo(FakeVastRoute.CreateInstance));
        Assert.Empty(Fake.LiveInstances);
    }

    [Fact]
    public async Task Gives_up_with_a_summary_when_every_offer_is_gone()
    {
        foreach (var price in new[] { 0.2, 0.3 })
        {
            Fake.FailCreate(Fake.AddOffer(new FakeOffer { DphBase = price }), FakeCreateFailure.OfferGone410);
        }

        var ex = await Assert.ThrowsAsync<VastProvisioningException>(() => h.ProvisionAsync());

        Assert.StartsWith("none of 2 Vast offers for 1x RTX 4090", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no longer available", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Fake.LiveInstances);
    }

    [Fact]
    public async Task No_matching_offer_is_a_clear_error_and_nothing_is_created()
    {
        Fake.AddOffer(new FakeOffer { DphBase = 2.0 });
        Fake.AddOffer(new FakeOffer { Verified = false });

        var ex = await Assert.ThrowsAsync<VastProvisioningException>(() => h.ProvisionAsync());

        Assert.StartsWith("no Vast offer matches 1x RTX 4090, <= $0.6/h", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.CallsTo(FakeVastRoute.CreateInstance));
    }

    [Fact]
    public async Task Skips_offers_on_excluded_machines()
    {
        Fake.AddOffer(new FakeOffer { DphBase = 0.2, MachineId = 666 });
        var other = Fake.AddOffer(new FakeOffer { DphBase = 0.3, MachineId = 777 });

        var rented = await h.ProvisionAsync(FakeVastHarness.Request() with { ExcludedMachineIds = new HashSet<long> { 666 } });

        Assert.Equal(other, rented.Offer.Id);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Cancelling_while_a_create_is_in_flight_destroys_whatever_it_made()
    {
        var offer = Fake.AddOffer();
        Fake.FailCreate(offer, FakeCreateFailure.HangAfterCreate);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = h.Provisioner.ProvisionAsync(FakeVastHarness.Request(), cts.Token);
        for (var i = 0; i < 500 && Fake.CreatedInstanceIds.Count == 0; i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Single(Fake.CreatedInstanceIds);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Time.DriveAsync(run));
        Assert.Empty(Fake.LiveInstances);
        Assert.Single(Fake.DestroyedInstanceIds);
    }

    [Fact]
    public async Task A_failed_reconcile_still_cleans_up_by_label_before_failing()
    {
        var offer = Fake.AddOffer();
        Fake.FailCreate(offer, FakeCreateFailure.ServerErrorAfterCreate);
        Fake.BreakList(FakeBrokenList.Gone410);

        var ex = await Assert.ThrowsAsync<VastApiException>(() => h.ProvisionAsync());

        Assert.Contains("410", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Fake.LiveInstances);
        Assert.Single(Fake.DestroyedInstanceIds);
    }

    [Fact]
    public async Task Refuses_requests_that_would_rent_the_wrong_thing()
    {
        Fake.AddOffer();
        var bid = FakeVastHarness.Request() with { Query = new OfferQuery { Type = OfferType.Bid } };
        var otherDisk = FakeVastHarness.Request() with { Instance = VastTestKit.Request(diskGb: 80) };
        var foreignLabel = FakeVastHarness.Request("someone-else:run");

        await Assert.ThrowsAsync<UsageException>(() => h.ProvisionAsync(bid));
        await Assert.ThrowsAsync<UsageException>(() => h.ProvisionAsync(otherDisk));
        await Assert.ThrowsAsync<UsageException>(() => h.ProvisionAsync(foreignLabel));
        Assert.Empty(Fake.Calls);
    }
}
