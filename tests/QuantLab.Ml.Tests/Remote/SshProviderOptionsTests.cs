using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Compute.Ssh;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Remote;

[Trait("Category", "Unit")]
public sealed class SshProviderOptionsTests
{
    [Fact]
    public void Binds_the_ssh_and_remote_sections()
    {
        var options = TestConfig.Load(new Dictionary<string, string?>
        {
            ["Ssh:Host"] = "gpu-box",
            ["Ssh:Port"] = "2222",
            ["Ssh:User"] = "root",
            ["Ssh:KeyFile"] = "~/.ssh/id_ed25519",
            ["Ssh:KnownHostsFile"] = "/etc/ssh/ssh_known_hosts",
            ["Remote:Python"] = "/opt/conda/bin/python",
            ["Remote:PipArgs:0"] = "--index-url",
            ["Remote:PipArgs:1"] = "http://mirror.local/simple",
            ["Remote:PollInterval"] = "00:00:02",
            ["Remote:Resilience:ReadinessTimeout"] = "00:07:00",
        }).Ssh;

        Assert.Equal(("gpu-box", 2222, "root", "~/.ssh/id_ed25519"), (options.Host, options.Port, options.User, options.KeyFile));
        Assert.Equal("/etc/ssh/ssh_known_hosts", options.KnownHostsFile);
        Assert.Equal("/opt/conda/bin/python", options.Remote.Python);
        Assert.Equal(["--index-url", "http://mirror.local/simple"], options.Remote.PipArgs);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Remote.PollInterval);
        Assert.Equal(TimeSpan.FromMinutes(7), options.Remote.Resilience.ReadinessTimeout);
        Assert.Equal(new RemoteRunnerOptions().BootstrapTimeout, options.Remote.BootstrapTimeout);
    }

    [Theory]
    [InlineData(null, "root", "k", 22, "ssh provider needs a host (--host or Ssh:Host)")]
    [InlineData("gpu-box", null, "k", 22, "ssh provider needs a user (--user or Ssh:User)")]
    [InlineData("gpu-box", "root", null, 22, "ssh provider needs a private key (--key or Ssh:KeyFile)")]
    [InlineData("gpu-box", "root", "k", 0, "invalid ssh port 0")]
    [InlineData("gpu box;rm", "root", "k", 22, "invalid ssh host 'gpu box;rm'")]
    [InlineData("gpu-box", "-oProxyCommand=x", "k", 22, "invalid ssh user '-oProxyCommand=x'")]
    public void Validation_names_the_setting_to_fix(string? host, string? user, string? key, int port, string expected)
    {
        var options = new SshProviderOptions { Host = host, User = user, KeyFile = key, Port = port };

        var error = Assert.Throws<UsageException>(options.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_numeric_port_in_configuration_is_a_usage_error()
    {
        var error = Assert.Throws<UsageException>(() => TestConfig.Load(new Dictionary<string, string?> { ["Ssh:Port"] = "twenty-two" }));

        Assert.Contains("Ssh:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Remote_options_out_of_range_are_refused()
    {
        Assert.Contains("PollInterval", Assert.Throws<UsageException>(new RemoteRunnerOptions { PollInterval = TimeSpan.Zero }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("Python", Assert.Throws<UsageException>(new RemoteRunnerOptions { Python = "py\nthon" }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("ReadinessTimeout", Assert.Throws<UsageException>(new RemoteRunnerOptions { Resilience = new() { ReadinessTimeout = TimeSpan.Zero } }.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_key_needs_its_passphrase_from_the_named_environment_variable()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("quantlab-key-test-").FullName;
        try
        {
            var keyFile = Path.Combine(dir, "id_ed25519");
            var passphrase = "correct horse " + Guid.NewGuid().ToString("N");
            await Proc.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", keyFile], ct);
            var envName = "QUANTLAB_TEST_PASSPHRASE_" + Guid.NewGuid().ToString("N");
            var options = new SshProviderOptions { Host = "127.0.0.1", User = "root", KeyFile = keyFile, KeyPassphraseEnv = envName };
            var package = TrainerPackageTests.MakePackage(dir);

            var missing = Assert.Throws<UsageException>(() => new SshComputeProvider(options, package, TimeProvider.System, new CapturedLog().Logger));
            Assert.Contains("Ssh:KeyPassphraseEnv", missing.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(passphrase, missing.Message, StringComparison.Ordinal);

            Environment.SetEnvironmentVariable(envName, passphrase);
            try
            {
                var provider = new SshComputeProvider(options, package, TimeProvider.System, new CapturedLog().Logger);
                Assert.Equal(ComputeProviderKind.Ssh, provider.Kind);
            }
            finally
            {
                Environment.SetEnvironmentVariable(envName, null);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_missing_key_file_is_named()
    {
        var error = Assert.Throws<UsageException>(() => SshPrivateKey.FromFile("/nonexistent/id_ed25519"));

        Assert.Equal("ssh private key file '/nonexistent/id_ed25519' does not exist", error.Message);
    }
}
