using QuantLab.Ml.Tests.Support.FakeVast;
using QuantLab.Ml.Vast;
using Serilog.Events;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>Waiting for a rented instance against the fake Vast, with its status driven by poll count.</summary>
[Trait("Category", "Unit")]
public sealed class VastWaitUntilRunningTests : IAsyncLifetime
{
    private FakeVastHarness h = null!;

    public async ValueTask InitializeAsync() => h = await FakeVastHarness.StartAsync(maxRetries: 1);

    public async ValueTask DisposeAsync() => await h.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeVast Fake => h.Fake;

    private async Task<long> RentAsync(FakeInstanceSchedule? schedule = null)
    {
        Fake.AddOffer(new FakeOffer { Schedule = schedule });
        return (await h.ProvisionAsync()).InstanceId;
    }

    private Task<VastSshEndpoint> WaitAsync(long id, TimeSpan? within = null) =>
        h.Time.DriveAsync(h.Client.WaitUntilRunningAsync(id, h.Time.GetUtcNow() + (within ?? TimeSpan.FromMinutes(10)), Ct));

    [Fact]
    public async Task Returns_the_direct_ssh_endpoint_once_running_polling_no_faster_than_the_interval()
    {
        Fake.SshEndpoint = ("127.0.0.1", 2222);
        Fake.DefaultSchedule = FakeInstanceSchedule.Boot(provisioningPolls: 1, loadingPolls: 2);
        var id = await RentAsync();
        var started = h.Time.GetUtcNow();

        var ssh = await WaitAsync(id);

        Assert.Equal(new VastSshEndpoint { Host = "127.0.0.1", Port = 2222, Route = SshRoute.Direct }, ssh);
        var polls = h.CallsTo(FakeVastRoute.GetInstance);
        Assert.Equal(4, polls.Count);
        Assert.True(h.Time.GetUtcNow() - started >= 3 * h.Options.PollInterval);
        var changes = h.Sink.Events
            .Where(e => e.MessageTemplate.Text == "Vast instance {InstanceId} is {Status}: {StatusMessage}")
            .Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(3, changes.Count);
        Assert.Contains("provisioning", changes[0], StringComparison.Ordinal);
        Assert.Contains("loading", changes[1], StringComparison.Ordinal);
        Assert.Contains("running", changes[2], StringComparison.Ordinal);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Uses_the_proxy_when_no_direct_port_is_mapped()
    {
        Fake.SshMode = FakeSshMode.ProxyOnly;
        Fake.SshEndpoint = ("127.0.0.1", 2200);
        var id = await RentAsync(FakeInstanceSchedule.RunningAtOnce());

        var ssh = await WaitAsync(id);

        Assert.Equal(new VastSshEndpoint { Host = "127.0.0.1", Port = 2200, Route = SshRoute.Proxy }, ssh);
        await h.DestroyAllAsync();
    }

    [Theory]
    [InlineData("exited")]
    [InlineData("unknown")]
    [InlineData("offline")]
    [InlineData("stopped")]
    public async Task Fails_fast_on_a_state_that_never_leads_to_running(string status)
    {
        var id = await RentAsync(FakeInstanceSchedule.EndsIn(status, loadingPolls: 1));

        var ex = await Assert.ThrowsAsync<VastInstanceFailedException>(() => WaitAsync(id));

        Assert.Equal(status, ex.LastStatus);
        Assert.Equal(id, ex.InstanceId);
        Assert.Contains($"status {status}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, h.CallsTo(FakeVastRoute.GetInstance).Count);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Fails_fast_on_an_oci_runtime_error()
    {
        var id = await RentAsync(FakeInstanceSchedule.OciError());

        var ex = await Assert.ThrowsAsync<VastInstanceFailedException>(() => WaitAsync(id));

        Assert.Contains("OCI runtime create failed", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.CallsTo(FakeVastRoute.GetInstance));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task Gives_up_at_the_deadline_when_stuck_in_loading()
    {
        var id = await RentAsync(FakeInstanceSchedule.StuckLoading());

        var ex = await Assert.ThrowsAsync<VastInstanceFailedException>(() => WaitAsync(id, TimeSpan.FromMinutes(3)));

        Assert.Equal("loading", ex.LastStatus);
        Assert.Contains("was not running with SSH by", ex.Message, StringComparison.Ordinal);
        Assert.InRange(h.CallsTo(FakeVastRoute.GetInstance).Count, 2, 19);
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task An_instance_destroyed_while_starting_is_a_failure_not_a_hang()
    {
        var id = await RentAsync(FakeInstanceSchedule.StuckLoading());
        await h.Time.DriveAsync(h.Client.DestroyInstanceAsync(id, Ct));

        var ex = await Assert.ThrowsAsync<VastInstanceFailedException>(() => WaitAsync(id));

        Assert.Contains("disappeared", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limited_polls_are_skipped_not_fatal()
    {
        var id = await RentAsync(FakeInstanceSchedule.Boot(provisioningPolls: 1, loadingPolls: 1));
        Fake.RateLimit(FakeVastRoute.GetInstance, times: 4, FakeRateLimitStyle.JsonDetail);

        var ssh = await WaitAsync(id);

        Assert.Equal(SshRoute.Direct, ssh.Route);
        Assert.Equal(4, h.CallsTo(FakeVastRoute.GetInstance).Count(c => c.StatusCode == 429));
        Assert.Contains(h.Sink.Messages(LogEventLevel.Warning), m => m.Contains("will poll again", StringComparison.Ordinal));
        await h.DestroyAllAsync();
    }

    [Fact]
    public async Task A_rejected_key_while_waiting_fails_at_once()
    {
        var id = await RentAsync(FakeInstanceSchedule.StuckLoading());
        Fake.RejectAllKeys = true;

        await Assert.ThrowsAsync<VastAuthException>(() => WaitAsync(id));

        Assert.Single(h.CallsTo(FakeVastRoute.GetInstance));
        Fake.RejectAllKeys = false;
        await h.DestroyAllAsync();
    }
}
