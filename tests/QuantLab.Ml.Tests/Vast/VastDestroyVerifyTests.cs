using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>
/// The destroy that ends a rental, against the stateful fake failing the way the real API does: a 500, a success that
/// destroyed nothing, a DELETE that never answers, and the shapes a gone instance reads back as.
/// </summary>
[Trait("Category", "Unit")]
public sealed class VastDestroyVerifyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(FakeVastHarness H, long Id)> RentedAsync(TimeSpan? requestTimeout = null)
    {
        var h = await FakeVastHarness.StartAsync(requestTimeout);
        h.Fake.AddOffer();
        var provisioned = await h.ProvisionAsync();
        return (h, provisioned.InstanceId);
    }

    private static Task<VastDestroyResult> DestroyAsync(FakeVastHarness h, long id, TimeSpan budget)
    {
        var cts = new CancellationTokenSource(budget, h.Time);
        return h.Time.DriveAsync(h.Client.DestroyAndVerifyAsync(id, cts.Token));
    }

    [Fact]
    public async Task DestroyAndVerify_Delete500Once_IsRetriedAndVerified()
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.FailNext(FakeVastRoute.DestroyInstance, status: 500);

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.True(result.Verified, result.Error);
        Assert.Equal(2, result.Deletes);
        Assert.Empty(h.Fake.LiveInstances);
    }

    [Fact]
    public async Task DestroyAndVerify_SuccessThatDestroyedNothing_IsNotTrustedAndSentAgain()
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.IgnoreDestroy(id);

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.True(result.Verified, result.Error);
        Assert.Equal(2, result.Deletes);
        Assert.Equal(VastClient.ReadBacksPerDestroy + 1, h.CallsTo(FakeVastRoute.GetInstance).Count(c => c.Sequence > h.CallsTo(FakeVastRoute.DestroyInstance)[0].Sequence));
        Assert.Empty(h.Fake.LiveInstances);
    }

    [Fact]
    public async Task DestroyAndVerify_HangingDelete_TimesOutAndIsRetried()
    {
        var (h, id) = await RentedAsync(requestTimeout: TimeSpan.FromSeconds(20));
        await using var _ = h;
        h.Fake.HangNext(FakeVastRoute.DestroyInstance);

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.True(result.Verified, result.Error);
        Assert.Empty(h.Fake.LiveInstances);
    }

    [Fact]
    public async Task DestroyAndVerify_EveryDeleteFails_IsNotVerifiedWithinTheBudgetAndSaysWhy()
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.FailNext(FakeVastRoute.DestroyInstance, status: 500, times: 1000);
        var started = h.Time.GetUtcNow();

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.False(result.Verified);
        Assert.Contains("HTTP 500", result.Error, StringComparison.Ordinal);
        Assert.InRange(h.Time.GetUtcNow() - started, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2.5));
        Assert.True(result.Deletes > 2, $"only {result.Deletes} DELETEs in 2 minutes");
        Assert.Single(h.Fake.LiveInstances);
        h.Fake.ClearFaults();
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task DestroyAndVerify_DeleteAlwaysANoOp_IsNotVerifiedAndNamesTheStatus()
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.IgnoreDestroy(id, times: 1000);

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.False(result.Verified);
        Assert.Contains("still lists it as", result.Error, StringComparison.Ordinal);
        Assert.Single(h.Fake.LiveInstances);
    }

    [Theory]
    [InlineData(FakeGoneAnswer.EmptyObject)]
    [InlineData(FakeGoneAnswer.Null)]
    [InlineData(FakeGoneAnswer.NotFound)]
    public async Task DestroyAndVerify_EveryShapeOfGone_IsVerifiedAfterOneDelete(FakeGoneAnswer answer)
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.GoneAnswer = answer;

        var result = await DestroyAsync(h, id, TimeSpan.FromMinutes(2));

        Assert.True(result.Verified, result.Error);
        Assert.Equal(1, result.Deletes);
        Assert.Null(await h.Time.DriveAsync(h.Client.GetInstanceAsync(id, Ct)));
    }

    [Fact]
    public async Task FakeVast_GoneAnswerEmptyObject_AnswersAnEmptyInstancesObjectAfterDestroy()
    {
        var (h, id) = await RentedAsync();
        await using var _ = h;
        h.Fake.GoneAnswer = FakeGoneAnswer.EmptyObject;
        await h.DestroyAllAsync();

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{h.Fake.BaseUrl}/api/v0/instances/{id}/?owner=me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", h.Fake.ApiKey);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"instances\":{}}", await response.Content.ReadAsStringAsync(Ct));
    }
}
