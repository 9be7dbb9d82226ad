using System.Security.Cryptography;
using Renci.SshNet;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>End to end on loopback: rent from the fake, wait, attach a key, and reach the test sshd at the endpoint the client resolved.</summary>
[Trait("Category", "Integration")]
public sealed class VastFakeSshIntegrationTests
{
    [Fact]
    public async Task A_rented_instance_is_reachable_over_ssh_at_the_resolved_endpoint_and_destroyed_after()
    {
        var ct = TestContext.Current.CancellationToken;
        var host = Environment.GetEnvironmentVariable("QUANTLAB_TEST_SSH_HOST");
        var portText = Environment.GetEnvironmentVariable("QUANTLAB_TEST_SSH_PORT");
        var user = Environment.GetEnvironmentVariable("QUANTLAB_TEST_SSH_USER");
        var keyPath = Environment.GetEnvironmentVariable("QUANTLAB_TEST_SSH_KEY");
        var hostKeyPub = Environment.GetEnvironmentVariable("QUANTLAB_TEST_SSH_HOST_KEY_PUB");
        if (host is null || portText is null || user is null || keyPath is null || hostKeyPub is null)
        {
            Assert.Skip("needs the loopback sshd that scripts/test.sh starts (QUANTLAB_TEST_SSH_*)");
        }

        await using var h = await FakeVastHarness.StartAsync();
        h.Fake.SshEndpoint = (host, int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture));
        h.Fake.AddOffer();
        var rented = await h.ProvisionAsync();
        try
        {
            var publicKey = (await File.ReadAllTextAsync(keyPath + ".pub", ct)).Trim();
            var endpoint = await h.Time.DriveAsync(h.Client.WaitUntilRunningAsync(rented.InstanceId, h.Time.GetUtcNow().AddMinutes(10), ct));

            // Once running, as the real clients do: the fake (like Vast) refuses keys while the instance loads.
            await h.Time.DriveAsync(h.Client.AttachSshKeyAsync(rented.InstanceId, publicKey, ct));

            Assert.Equal([publicKey], h.Fake.Instance(rented.InstanceId)!.SshKeys);
            Assert.Equal(host, endpoint.Host);
            var expectedFingerprint = Sha256Fingerprint(await File.ReadAllTextAsync(hostKeyPub, ct));
            using var key = new PrivateKeyFile(keyPath);
            using var ssh = new SshClient(endpoint.Host, endpoint.Port, user, key);
            ssh.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == expectedFingerprint;
            await ssh.ConnectAsync(ct);
            using var command = ssh.CreateCommand("echo vast-ok");
            await command.ExecuteAsync(ct);

            Assert.Equal("vast-ok", command.Result.Trim());
        }
        finally
        {
            await h.DestroyAllAsync();
        }

        Assert.Empty(h.Fake.LiveInstances);
    }

    // SSH.NET reports SHA-256 fingerprints as unpadded base64 of the key blob.
    private static string Sha256Fingerprint(string publicKeyLine) =>
        Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(publicKeyLine.Split(' ')[1]))).TrimEnd('=');
}
