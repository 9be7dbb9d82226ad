using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Tests.Support.FakeVast;

namespace QuantLab.Ml.Tests.Cli;

/// <summary>`offers` and `instances` against the fake Vast.ai, exactly as an operator types them.</summary>
[Trait("Category", "Unit")]
public sealed class VastCommandsTests : IAsyncLifetime
{
    private readonly TempDir temp = new();
    private FakeVast vast = null!;

    public async ValueTask InitializeAsync() => vast = await FakeVast.StartAsync(ct: TestContext.Current.CancellationToken);

    private CliRunner Cli(string? key = null)
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["VAST_API_URL"] = vast.BaseUrl;
        if (key is not null)
        {
            cli.Environment["VAST_API_KEY"] = key;
        }

        return cli;
    }

    [Fact]
    public async Task Offers_lists_rtx_4090s_under_the_price_cap_cheapest_first_without_a_key()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.50, Geolocation = "Oslo, NO" });
        vast.AddOffer(new FakeOffer { DphBase = 0.30 });
        vast.AddOffer(new FakeOffer { DphBase = 0.40, GpuName = "RTX 3090" });
        vast.AddOffer(new FakeOffer { DphBase = 0.90 });

        var result = await Cli().RunAsync("offers", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var offers = doc.RootElement.GetProperty("offers").EnumerateArray().ToList();
        Assert.Equal(2, offers.Count);
        Assert.All(offers, o => Assert.Equal("1x RTX 4090", o.GetProperty("gpu").GetString()));
        Assert.True(offers[0].GetProperty("price_per_hour").GetDouble() < offers[1].GetProperty("price_per_hour").GetDouble());
        var search = Assert.Single(vast.Calls, c => c.Path.StartsWith("/api/v0/bundles", StringComparison.Ordinal));
        Assert.Contains("\"RTX 4090\"", search.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("RTX_4090", search.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_as_a_table_shows_price_and_location()
    {
        vast.AddOffer(new FakeOffer { DphBase = 0.30, Geolocation = "Stockholm, SE" });

        var result = await Cli().RunAsync("offers", "--max-price", "0.5");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("RTX 4090", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SE", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_shows_only_ours_unless_all_is_asked()
    {
        vast.AddInstance("quantlab-ml:job-btcusdt-20260115-0123456789ab", "running", ageHours: 2);
        vast.AddInstance("someone-else", "running");
        vast.AddInstance(null, "stopped");

        var ours = await Cli(vast.ApiKey).RunAsync("instances", "--json");
        var all = await Cli(vast.ApiKey).RunAsync("instances", "--all", "--json");

        Assert.True(ours.ExitCode == ExitCodes.Ok, ours.ToString());
        using var oursDoc = JsonDocument.Parse(ours.Stdout);
        var row = Assert.Single(oursDoc.RootElement.GetProperty("instances").EnumerateArray().ToList());
        Assert.Equal("quantlab-ml:job-btcusdt-20260115-0123456789ab", row.GetProperty("label").GetString());
        using var allDoc = JsonDocument.Parse(all.Stdout);
        Assert.Equal(3, allDoc.RootElement.GetProperty("instances").GetArrayLength());
    }

    [Fact]
    public async Task Instances_shows_where_to_ssh_into_our_live_machines()
    {
        vast.AddInstance("quantlab-ml:job-btcusdt-20260115-0123456789ab", "running", ageHours: 2);

        var json = await Cli(vast.ApiKey).RunAsync("instances", "--json");
        var table = await Cli(vast.ApiKey).RunAsync("instances");

        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        using var doc = JsonDocument.Parse(json.Stdout);
        var row = Assert.Single(doc.RootElement.GetProperty("instances").EnumerateArray().ToList());
        var host = row.GetProperty("ssh_host").GetString();
        var port = row.GetProperty("ssh_port").GetInt32();
        Assert.False(string.IsNullOrEmpty(host));
        Assert.True(port > 0);
        Assert.Contains($"ssh -p {port} root@{host}", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_without_a_key_is_a_usage_error_and_a_rejected_key_is_one_line_that_never_shows_it()
    {
        var missing = await Cli().RunAsync("instances");
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);

        var wrongKey = "wrong-key-7f3a9c1e5b";
        var rejected = await Cli(wrongKey).RunAsync("instances");
        Assert.Equal(ExitCodes.Failed, rejected.ExitCode);
        Assert.Contains("the Vast API key was rejected", Assert.Single(rejected.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, rejected.Stderr + rejected.Stdout, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await vast.DisposeAsync();
        temp.Dispose();
    }
}
