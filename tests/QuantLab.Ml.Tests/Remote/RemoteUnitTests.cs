using System.Text;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Remote;

[Trait("Category", "Unit")]
public sealed class ShellQuoteTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("it's")]
    [InlineData("$(touch /tmp/quantlab-never)")]
    [InlineData("`id`; rm -rf / #")]
    [InlineData("a\nb\tc")]
    [InlineData("' '' '\\''")]
    [InlineData("")]
    [InlineData("*?[a]~!{x,y}")]
    public async Task A_quoted_value_reaches_a_posix_shell_as_one_unchanged_argument(string value)
    {
        var command = ShellQuote.Script("printf '%s|%s' \"$#\" \"$1\"", value);

        var result = await Proc.RunCheckedAsync("/bin/sh", ["-c", command], TestContext.Current.CancellationToken);

        Assert.Equal("1|" + value, result.Stdout);
    }

    [Fact]
    public void A_nul_character_is_refused()
    {
        var error = Assert.Throws<UsageException>(() => ShellQuote.Quote("a\0b"));

        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }
}

[Trait("Category", "Unit")]
public sealed class RemoteJobIdTests
{
    [Theory]
    [InlineData("job-btcusdt-20260115-3f9a0c12ab45")]
    [InlineData("job-ab-20260101-000000000000")]
    public void Accepts_ids_the_pipeline_makes(string id) => Assert.Equal(id, RemoteJobId.Parse(id));

    [Theory]
    [InlineData("job-BTCUSDT-20260115-3f9a0c12ab45")]
    [InlineData("job-btcusdt-2026011-3f9a0c12ab45")]
    [InlineData("job-btcusdt-20260115-3f9a0c12ab4")]
    [InlineData("job-btcusdt-20260115-3f9a0c12ab45\n")]
    [InlineData(" job-btcusdt-20260115-3f9a0c12ab45")]
    [InlineData(null)]
    public void Refuses_anything_else(string? id) => Assert.Throws<UsageException>(() => RemoteJobId.Parse(id));
}

[Trait("Category", "Unit")]
public sealed class SshEndpointTests
{
    [Fact]
    public void Names_itself_the_way_known_hosts_does()
    {
        Assert.Equal("gpu-box", SshEndpoint.Create("gpu-box", 22, "root").KnownHostsName);
        Assert.Equal("[10.0.0.7]:2222", SshEndpoint.Create("10.0.0.7", 2222, "root").KnownHostsName);
        Assert.Equal("root@gpu-box:22", SshEndpoint.Create(" gpu-box ", 22, "root").ToString());
    }

    [Theory]
    [InlineData("-oProxyCommand=touch x", 22, "root")]
    [InlineData("host name", 22, "root")]
    [InlineData("gpu-box", 70000, "root")]
    [InlineData("gpu-box", 22, "ro ot")]
    [InlineData("gpu-box", 22, "-l")]
    public void Refuses_values_that_are_not_a_host_port_or_login(string host, int port, string user) =>
        Assert.Throws<UsageException>(() => SshEndpoint.Create(host, port, user));
}

[Trait("Category", "Unit")]
public sealed class KnownHostsFileTests
{
    private const string KeyA = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    private const string KeyB = "AAAAC3NzaC1lZDI1NTE5AAAAIL0kYy7Gx3OEBpqyoYnPvj9rZl3kvtrYpd2UxwTQuTk/";

    [Fact]
    public void Matches_plain_port_wildcard_and_negated_patterns()
    {
        var file = KnownHostsFile.Parse(
            $"""
            # comment
            gpu-box,10.0.0.7 ssh-ed25519 {KeyA}
            [gpu-box]:2222 ssh-ed25519 {KeyB}
            *.farm.local,!bad.farm.local ssh-ed25519 {KeyA}
            garbage line
            broken ssh-ed25519 not-base64!!
            """,
            "test");

        Assert.Equal(KnownHostsVerdict.Trusted, file.Check("gpu-box", "ssh-ed25519", Blob(KeyA)));
        Assert.Equal(KnownHostsVerdict.Trusted, file.Check("10.0.0.7", "ssh-ed25519", Blob(KeyA)));
        Assert.Equal(KnownHostsVerdict.Changed, file.Check("gpu-box", "ssh-ed25519", Blob(KeyB)));
        Assert.Equal(KnownHostsVerdict.Trusted, file.Check("[gpu-box]:2222", "ssh-ed25519", Blob(KeyB)));
        Assert.Equal(KnownHostsVerdict.Trusted, file.Check("n1.farm.local", "ssh-ed25519", Blob(KeyA)));
        Assert.Equal(KnownHostsVerdict.Unknown, file.Check("bad.farm.local", "ssh-ed25519", Blob(KeyA)));
        Assert.Equal(KnownHostsVerdict.Unknown, file.Check("[gpu-box]:2200", "ssh-ed25519", Blob(KeyA)));
        Assert.Equal(KnownHostsVerdict.OtherTypesOnly, file.Check("gpu-box", "ssh-rsa", Blob(KeyB)));
    }

    [Fact]
    public void A_revoked_key_is_refused_even_when_listed()
    {
        var file = KnownHostsFile.Parse($"gpu-box ssh-ed25519 {KeyA}\n@revoked * ssh-ed25519 {KeyA}\n", "test");

        Assert.Equal(KnownHostsVerdict.Revoked, file.Check("gpu-box", "ssh-ed25519", Blob(KeyA)));
    }

    [Fact]
    public void Reads_the_key_type_and_fingerprint_of_a_blob()
    {
        Assert.Equal("ssh-ed25519", HostKeyPolicy.KeyType(Blob(KeyA)));
        Assert.StartsWith("SHA256:", HostKeyPolicy.Fingerprint(Blob(KeyA)), StringComparison.Ordinal);
        Assert.DoesNotContain("=", HostKeyPolicy.Fingerprint(Blob(KeyA)), StringComparison.Ordinal);
    }

    [Fact]
    public void Pin_first_seen_trusts_one_key_for_the_whole_run()
    {
        var policy = HostKeyPolicy.PinFirstSeen();
        var endpoint = SshEndpoint.Create("gpu-box", 22, "root");

        Assert.Null(policy.Check(endpoint, Blob(KeyA)));
        Assert.Null(policy.Check(endpoint, Blob(KeyA)));
        var refusal = policy.Check(endpoint, Blob(KeyB));

        Assert.NotNull(refusal);
        Assert.Contains("changed during the run", refusal, StringComparison.Ordinal);
        Assert.Equal(HostKeyPolicy.Fingerprint(Blob(KeyA)), policy.TrustedFingerprint);
    }

    private static byte[] Blob(string base64) => Convert.FromBase64String(base64);
}

[Trait("Category", "Unit")]
public sealed class LogTailTests
{
    [Fact]
    public void Joins_lines_split_across_chunks_and_counts_every_byte()
    {
        var tail = new LogTail();
        var chunks = new[] { "first li", "ne\r\nsecond\nthi", "rd é", "\n", "unterminated" };

        var lines = chunks.SelectMany(c => tail.Feed(Encoding.UTF8.GetBytes(c))).ToList();

        Assert.Equal(["first line", "second", "third é"], lines);
        Assert.Equal(chunks.Sum(c => Encoding.UTF8.GetByteCount(c)), tail.Offset);
        Assert.Equal("unterminated", tail.Flush());
        Assert.Null(tail.Flush());
    }
}
