using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class ReadinessTests(SshdFixture sshd)
{
    [Fact]
    public async Task Waits_for_a_host_whose_sshd_is_not_listening_yet()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var booting = await ExtraSshd.CreateAsync(sshd, authorized: true, ct);
        using var bed = RemoteTestBed.Create(sshd);
        using var conn = new SshConnection(sshd.Target(endpoint: SshEndpoint.Create("127.0.0.1", booting.Port, sshd.User)), bed.Options(), TimeProvider.System, bed.Log.Logger);

        var open = conn.OpenAsync(ct);
        await WaitForRetriesAsync(bed, "connection refused", ct);
        await booting.StartAsync(ct);
        await open;

        var result = await conn.RunAsync("echo ok", TimeSpan.FromSeconds(10), ct);
        Assert.Equal("ok\n", result.StdoutText);
    }

    [Fact]
    public async Task Waits_until_the_host_accepts_our_key()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provisioning = await ExtraSshd.CreateAsync(sshd, authorized: false, ct);
        await provisioning.StartAsync(ct);
        using var bed = RemoteTestBed.Create(sshd);
        using var conn = new SshConnection(sshd.Target(endpoint: SshEndpoint.Create("127.0.0.1", provisioning.Port, sshd.User)), bed.Options(), TimeProvider.System, bed.Log.Logger);

        var open = conn.OpenAsync(ct);
        await WaitForRetriesAsync(bed, "authentication failed", ct);
        await provisioning.AuthorizeAsync(ct);
        await open;

        Assert.Equal("ok\n", (await conn.RunAsync("echo ok", TimeSpan.FromSeconds(10), ct)).StdoutText);
    }

    [Fact]
    public async Task Logs_in_with_a_key_held_only_in_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var text = new QuantLab.Ml.Common.Secret(await File.ReadAllTextAsync(sshd.KeyFile, ct));
        using var key = SshPrivateKey.FromText(text, description: "ephemeral test key");
        var target = sshd.Target() with { Key = key };
        using var conn = new SshConnection(target, bed.Options(), TimeProvider.System, bed.Log.Logger);

        await conn.OpenAsync(ct);

        Assert.Equal("ephemeral test key", key.ToString());
        Assert.Equal("ok\n", (await conn.RunAsync("echo ok", TimeSpan.FromSeconds(10), ct)).StdoutText);
    }

    private static async Task WaitForRetriesAsync(RemoteTestBed bed, string reason, CancellationToken ct)
    {
        for (var i = 0; i < 400; i++)
        {
            if (bed.Log.Messages.Count(m => m.Contains(reason, StringComparison.Ordinal)) >= 2)
            {
                return;
            }

            await Task.Delay(25, ct);
        }

        throw new TimeoutException($"the runner never retried after '{reason}'");
    }
}

[Trait("Category", "Unit")]
public sealed class ReadinessDeadlineTests
{
    [Fact]
    public async Task Gives_up_at_the_readiness_deadline_naming_the_last_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new CapturedLog();
        var closedPort = ExtraSshd.FreePort();
        var options = new SshResilienceOptions { RetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<RemoteHostUnreachableException>(() => SshResilience.ExecuteAsync(
            options,
            TimeSpan.FromSeconds(2),
            "login to test",
            TimeProvider.System,
            log.Logger,
            async token =>
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, closedPort, token);
            },
            ct));

        Assert.Contains("ssh login to test not ready after 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("last error: connection refused", error.Message, StringComparison.Ordinal);
        Assert.True(log.Messages.Count(m => m.Contains("connection refused", StringComparison.Ordinal)) >= 2);
    }

    [Fact]
    public async Task A_rejected_host_key_is_not_retried()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<HostKeyRejectedException>(() => SshResilience.ExecuteAsync(
            new SshResilienceOptions { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(10) },
            TimeSpan.FromSeconds(30),
            "login to test",
            TimeProvider.System,
            new CapturedLog().Logger,
            _ =>
            {
                attempts++;
                throw new HostKeyRejectedException("changed");
            },
            TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
    }
}
