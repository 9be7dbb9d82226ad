using System.Globalization;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class HostKeyTests(SshdFixture sshd)
{
    [Fact]
    public async Task A_host_key_that_changes_during_the_run_aborts_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var impostor = await ExtraSshd.CreateAsync(sshd, authorized: true, ct);
        await impostor.StartAsync(ct);
        await using var relay = new TcpRelay(sshd.Port);
        using var bed = RemoteTestBed.Create(sshd, mode: "sleep:4");
        var viaRelay = SshEndpoint.Create("127.0.0.1", relay.Port, sshd.User);
        var run = bed.Runner().RunAsync(sshd.Target(endpoint: viaRelay), bed.Job, ct);
        var pgid = await bed.WaitForTrainerPgidAsync(ct);

        // Same address, different machine behind it: the next reconnect meets the impostor's key.
        relay.SwitchTo(impostor.Port);
        var error = await Assert.ThrowsAsync<HostKeyRejectedException>(() => run);

        Assert.Contains("changed during the run", error.Message, StringComparison.Ordinal);
        Assert.Contains(await FingerprintAsync(sshd.HostKeyPubFile, ct), error.Message, StringComparison.Ordinal);
        Assert.Contains(await FingerprintAsync(impostor.HostKeyPubFile, ct), error.Message, StringComparison.Ordinal);
        await Proc.RunAsync("kill", ["-KILL", "--", "-" + pgid.ToString(CultureInfo.InvariantCulture)], ct);
    }

    [Fact]
    public async Task A_known_hosts_file_listing_the_key_lets_the_runner_in()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var knownHosts = Path.Combine(bed.Work, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"# test\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n[127.0.0.1]:{sshd.Port} {sshd.HostKeyLine}\n", ct);
        var policy = HostKeyPolicy.FromKnownHostsFile(knownHosts);
        using var conn = new SshConnection(sshd.Target(policy), bed.Options(), TimeProvider.System, bed.Log.Logger);

        await conn.OpenAsync(ct);

        Assert.Equal(await FingerprintAsync(sshd.HostKeyPubFile, ct), policy.TrustedFingerprint);
    }

    [Fact]
    public async Task A_hashed_known_hosts_entry_is_honoured()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var knownHosts = Path.Combine(bed.Work, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{sshd.Port} {sshd.HostKeyLine}\n", ct);
        await Proc.RunCheckedAsync("ssh-keygen", ["-H", "-f", knownHosts], ct);
        Assert.StartsWith("|1|", await File.ReadAllTextAsync(knownHosts, ct), StringComparison.Ordinal);
        var policy = HostKeyPolicy.FromKnownHostsFile(knownHosts);
        using var conn = new SshConnection(sshd.Target(policy), bed.Options(), TimeProvider.System, bed.Log.Logger);

        await conn.OpenAsync(ct);

        Assert.NotNull(policy.TrustedFingerprint);
    }

    [Fact]
    public async Task A_known_hosts_file_with_another_key_for_the_host_refuses_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = await ExtraSshd.CreateAsync(sshd, authorized: true, ct);
        using var bed = RemoteTestBed.Create(sshd);
        var knownHosts = Path.Combine(bed.Work, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{sshd.Port} {other.HostKeyLine}\n", ct);

        var error = await Assert.ThrowsAsync<HostKeyRejectedException>(
            () => bed.Runner().RunAsync(sshd.Target(HostKeyPolicy.FromKnownHostsFile(knownHosts)), bed.Job, ct));

        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", error.Message, StringComparison.Ordinal);
        Assert.Contains(await FingerprintAsync(sshd.HostKeyPubFile, ct), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(bed.Log.Messages, m => m.Contains("not ready", StringComparison.Ordinal));
        Assert.False(Directory.Exists(bed.RemoteRoot));
    }

    [Fact]
    public async Task A_host_missing_from_known_hosts_is_refused_with_the_keyscan_command_to_add_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var knownHosts = Path.Combine(bed.Work, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"127.0.0.1 {sshd.HostKeyLine}\n", ct);
        using var conn = new SshConnection(sshd.Target(HostKeyPolicy.FromKnownHostsFile(knownHosts)), bed.Options(), TimeProvider.System, bed.Log.Logger);

        var error = await Assert.ThrowsAsync<HostKeyRejectedException>(() => conn.OpenAsync(ct));

        Assert.Contains($"host [127.0.0.1]:{sshd.Port} is not in {knownHosts}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"ssh-keyscan -p {sshd.Port} 127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> FingerprintAsync(string publicKeyFile, CancellationToken ct)
    {
        // ssh-keygen prints "256 SHA256:… comment (ED25519)"; an independent computation of what the runner reports.
        var output = await Proc.RunCheckedAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile], ct);
        return output.Stdout.Split(' ')[1];
    }
}
