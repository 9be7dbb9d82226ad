using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

[Trait("Category", "Unit")]
public sealed class VastOptionsTests
{
    private static Dictionary<string, string?> Config(params (string Key, string Value)[] values) =>
        values.ToDictionary(v => v.Key, v => (string?)v.Value);

    private static Dictionary<string, string?> NoEnv => [];

    private static VastOptions Load(Dictionary<string, string?> keys, Dictionary<string, string?> env) => TestConfig.Load(keys, env).Vast;

    [Fact]
    public void Defaults_target_the_nightly_rtx_4090_job_on_console_vast_ai()
    {
        var options = Load(Config(), NoEnv);

        Assert.Equal("https://console.vast.ai", options.BaseUrl);
        Assert.Equal("quantlab-ml:", options.LabelPrefix);
        Assert.Equal(TimeSpan.FromSeconds(10), options.PollInterval);
        Assert.Equal("RTX 4090", options.Offers.Gpu);
        Assert.Equal(0.60, options.Offers.MaxPricePerHour);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Backoff.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Backoff.MaxDelay);
    }

    [Fact]
    public void Binds_every_setting_from_the_Vast_section()
    {
        var options = Load(
            Config(
                ("Vast:BaseUrl", "https://cloud.vast.ai"),
                ("Vast:ApiKeyFile", "/etc/quantlab/vast.key"),
                ("Vast:LabelPrefix", "ql-test:"),
                ("Vast:PollInterval", "00:00:15"),
                ("Vast:RequestTimeout", "00:01:00"),
                ("Vast:Pacing:CreateInstance", "00:00:08"),
                ("Vast:Backoff:MaxRetries", "3"),
                ("Vast:Offers:Gpu", "H100 SXM,RTX 4090"),
                ("Vast:Offers:MaxPricePerHour", "2.5"),
                ("Vast:Offers:Countries", "se,no")),
            NoEnv);

        Assert.Equal("https://cloud.vast.ai", options.BaseUrl);
        Assert.Equal("/etc/quantlab/vast.key", options.ApiKeyFile);
        Assert.Equal("ql-test:", options.LabelPrefix);
        Assert.Equal(TimeSpan.FromSeconds(15), options.PollInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8), options.Pacing.CreateInstance);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Pacing.GetInstance);
        Assert.Equal(3, options.Backoff.MaxRetries);
        var query = OfferQuery.FromOptions(options);
        Assert.Equal(["H100 SXM", "RTX 4090"], query.GpuNames);
        Assert.Equal(2.5, query.MaxPricePerHour);
        Assert.Equal(["SE", "NO"], query.Countries);
    }

    [Fact]
    public void VAST_API_URL_overrides_the_configured_base_url()
    {
        var options = Load(Config(), new() { ["QUANTLAB_Vast__BaseUrl"] = "https://cloud.vast.ai", ["VAST_API_URL"] = " http://127.0.0.1:5555 " });

        Assert.Equal("http://127.0.0.1:5555", options.BaseUrl);
    }

    [Theory]
    [InlineData("Vast:BaseUrl", "http://vast.example.com", "must use https")]
    [InlineData("Vast:BaseUrl", "console.vast.ai", "not an absolute http(s) URL")]
    [InlineData("Vast:BaseUrl", "https://console.vast.ai/?api_key=x", "must not carry a query")]
    [InlineData("Vast:PollInterval", "00:00:00", "PollInterval")]
    [InlineData("Vast:Pacing:SearchOffers", "-00:00:01", "Pacing:SearchOffers")]
    [InlineData("Vast:Backoff:MaxDelay", "00:00:00.5", "Backoff:MaxDelay")]
    [InlineData("Vast:LabelPrefix", "has space", "LabelPrefix")]
    [InlineData("Vast:Offers:NumGpus", "0", "Vast:Offers:NumGpus = 0: must be 1..16")]
    [InlineData("Vast:Offers:MinReliability", "1.5", "Vast:Offers:MinReliability = 1.5: must be 0..1")]
    [InlineData("Vast:PollInterval", "soon", "Vast:PollInterval")]
    public void Rejects_a_bad_setting_with_a_message_naming_it(string key, string value, string expected)
    {
        var ex = Assert.ThrowsAny<UsageException>(() => Load(Config((key, value)), NoEnv));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}

[Trait("Category", "Unit")]
public sealed class VastApiKeyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("quantlab-vast-key-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void VAST_API_KEY_wins_over_the_key_file()
    {
        var file = Path.Combine(dir, "key");
        File.WriteAllText(file, "from-file");

        var key = VastApiKey.Resolve(n => n == "VAST_API_KEY" ? " from-env\n" : null, new VastOptions { ApiKeyFile = file });

        Assert.Equal("from-env", key!.Reveal());
        Assert.Equal("***", key.ToString());
    }

    [Fact]
    public void Reads_the_first_line_of_the_key_file_and_expands_home()
    {
        File.WriteAllText(Path.Combine(dir, "vast_api_key"), "abc123def\nsecond line\n");

        var key = VastApiKey.Resolve(n => n == "HOME" ? dir : null, new VastOptions { ApiKeyFile = "~/vast_api_key" });

        Assert.Equal("abc123def", key!.Reveal());
    }

    [Fact]
    public void No_key_anywhere_is_null_and_Require_says_how_to_set_one()
    {
        Assert.Null(VastApiKey.Resolve(_ => null, new VastOptions()));

        var ex = Assert.Throws<UsageException>(() => VastApiKey.Require(_ => null, new VastOptions()));
        Assert.Contains("VAST_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_empty_key_file_is_a_usage_error()
    {
        var missing = Path.Combine(dir, "nope");
        Assert.Throws<UsageException>(() => VastApiKey.Resolve(_ => null, new VastOptions { ApiKeyFile = missing }));

        var empty = Path.Combine(dir, "empty");
        File.WriteAllText(empty, "\n");
        Assert.Throws<UsageException>(() => VastApiKey.Resolve(_ => null, new VastOptions { ApiKeyFile = empty }));
    }

    [Fact]
    public void A_key_with_spaces_is_rejected_without_echoing_it()
    {
        var ex = Assert.Throws<UsageException>(() => VastApiKey.Resolve(n => n == "VAST_API_KEY" ? "secret part two" : null, new VastOptions()));

        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }
}
