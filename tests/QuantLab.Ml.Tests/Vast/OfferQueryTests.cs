using System.Text.Json;
using System.Text.Json.Nodes;
using QuantLab.Ml.Common;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Tests.Vast;

[Trait("Category", "Unit")]
public sealed class OfferQueryTests
{
    [Fact]
    public void Default_query_asks_for_a_verified_direct_ssh_rtx_4090_cheapest_first()
    {
        var body = OfferQuery.FromOptions(new VastOptions()).ToRequestBody();

        Assert.Equal("RTX 4090", (string?)body["gpu_name"]!["eq"]);
        Assert.Equal(1, (int?)body["num_gpus"]!["eq"]);
        Assert.True((bool?)body["verified"]!["eq"]);
        Assert.True((bool?)body["rentable"]!["eq"]);
        Assert.False((bool?)body["rented"]!["eq"]);
        Assert.Equal(1, (int?)body["direct_port_count"]!["gte"]);
        Assert.Equal(0.95, (double?)body["reliability2"]!["gte"]);
        Assert.Equal(200, (double?)body["inet_down"]!["gte"]);
        Assert.Equal(50, (double?)body["disk_space"]!["gte"]);
        Assert.Equal(0.60, (double?)body["dph_total"]!["lte"]);
        Assert.Equal(50, (double?)body["allocated_storage"]);
        Assert.Equal("on-demand", (string?)body["type"]);
        Assert.Equal(64, (int?)body["limit"]);
        Assert.Equal("""[["dph_total","asc"],["reliability2","desc"]]""", body["order"]!.ToJsonString());
        // Defaults that fit the pinned XGBoost's CUDA 12 wheels, and no external offers (as the Vast CLI).
        Assert.Equal(12.4, (double?)body["cuda_max_good"]!["gte"]);
        Assert.Equal(500, (int?)body["compute_cap"]!["gte"]);
        Assert.False((bool?)body["external"]!["eq"]);
        Assert.Null(body["q"]);
    }

    [Fact]
    public void Overrides_replace_the_defaults_and_the_disk_is_also_the_allocated_storage()
    {
        var query = OfferQuery.FromOptions(new VastOptions(), new OfferOverrides
        {
            Gpu = "RTX_5090, H100 SXM",
            NumGpus = 2,
            MaxPricePerHour = 3.2,
            MinReliability = 0.99,
            DiskGb = 120,
            Limit = 10,
        });
        var body = query.ToRequestBody();

        Assert.Equal("""["RTX 5090","H100 SXM"]""", body["gpu_name"]!["in"]!.ToJsonString());
        Assert.Equal(2, (int?)body["num_gpus"]!["eq"]);
        Assert.Equal(3.2, (double?)body["dph_total"]!["lte"]);
        Assert.Equal(0.99, (double?)body["reliability2"]!["gte"]);
        Assert.Equal(120, (double?)body["allocated_storage"]);
        Assert.Equal(120, (double?)body["disk_space"]!["gte"]);
        Assert.Equal(10, (int?)body["limit"]);
    }

    [Fact]
    public void Every_typed_filter_and_operator_reaches_the_query()
    {
        var query = new OfferQuery
        {
            MinGpuRamGb = 24,
            MinCudaVersion = 12.4,
            MinComputeCapability = 800,
            DatacenterOnly = true,
            Countries = ["SE", "NO"],
            ExcludeCountries = ["CN"],
            Type = OfferType.Bid,
            ExtraFilters =
            [
                new() { Field = "cpu_ram", Op = OfferOp.Gt, Value = 64_000 },
                new() { Field = "cpu_ram", Op = OfferOp.Lt, Value = 512_000 },
                new() { Field = "gpu_arch", Op = OfferOp.Neq, Value = "amd" },
                new() { Field = "host_id", Op = OfferOp.NotIn, Value = new JsonArray(1, 2) },
                new() { Field = "static_ip", Op = OfferOp.Eq, Value = true },
            ],
        }.Validate();
        var body = query.ToRequestBody();

        Assert.Equal(24_000, (double?)body["gpu_ram"]!["gte"]);
        Assert.Equal(12.4, (double?)body["cuda_max_good"]!["gte"]);
        Assert.Equal(800, (int?)body["compute_cap"]!["gte"]);
        Assert.True((bool?)body["datacenter"]!["eq"]);
        Assert.Equal("""{"in":["SE","NO"],"notin":["CN"]}""", body["geolocation"]!.ToJsonString());
        Assert.Equal("""{"gt":64000,"lt":512000}""", body["cpu_ram"]!.ToJsonString());
        Assert.Equal("amd", (string?)body["gpu_arch"]!["neq"]);
        Assert.Equal("[1,2]", body["host_id"]!["notin"]!.ToJsonString());
        Assert.Equal("bid", (string?)body["type"]);
    }

    [Theory]
    [InlineData("cuda without compute capability")]
    [InlineData("disk below Vast's minimum")]
    [InlineData("bad gpu name")]
    [InlineData("reserved key as a filter")]
    [InlineData("in without a list")]
    public void Impossible_queries_are_usage_errors(string what)
    {
        var query = what switch
        {
            "cuda without compute capability" => new OfferQuery { MinCudaVersion = 12.8 },
            "disk below Vast's minimum" => new OfferQuery { DiskGb = 4 },
            "bad gpu name" => new OfferQuery { GpuNames = ["RTX 4090; rm -rf /"] },
            "reserved key as a filter" => new OfferQuery { ExtraFilters = [new() { Field = "limit", Op = OfferOp.Eq, Value = 1 }] },
            _ => new OfferQuery { ExtraFilters = [new() { Field = "host_id", Op = OfferOp.In, Value = 3 }] },
        };

        var ex = Assert.Throws<UsageException>(() => query.Validate());
        Assert.StartsWith("offer query: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_gpu_override_is_a_usage_error()
    {
        Assert.Throws<UsageException>(() => OfferQuery.FromOptions(new VastOptions(), new OfferOverrides { Gpu = " , " }));
        Assert.Throws<UsageException>(() => OfferQuery.FromOptions(new VastOptions(), new OfferOverrides { MaxPricePerHour = -1 }));
    }

    [Fact]
    public void Rank_sorts_by_real_cost_for_our_disk_then_reliability_and_drops_unusable_offers()
    {
        var query = new OfferQuery { DiskGb = 100, MaxPricePerHour = 0.60 };
        VastOffer[] offers =
        [
            new() { Id = 1, DphTotal = 0.50, Reliability2 = 0.97 },
            new() { Id = 2, DphBase = 0.40, StorageCost = 0.72, Reliability2 = 0.99 }, // 0.40 + 0.72*100/720 = 0.50
            new() { Id = 3, DphTotal = 0.30, Reliability2 = 0.96 },
            new() { Id = 4, DphTotal = 0.90, Reliability2 = 0.999 },                  // over the cap
            new() { Id = 5, DphTotal = 0.10, Rented = true },                         // taken
            new() { Id = 6 },                                                         // no price at all
            new() { Id = 7, DphTotal = 0.50, Reliability = 0.99 },                    // old field only
        ];

        var ranked = query.Rank(offers).Select(o => o.Id).ToList();

        Assert.Equal([3, 2, 7, 1], ranked);
    }
}

[Trait("Category", "Unit")]
public sealed class VastInstanceSshTests
{
    private static VastInstance Instance(string? ip = "203.0.113.7", string? hostPort = "41022", string? sshHost = "ssh5.vast.ai", int? sshPort = 12345, string runtype = "ssh ssh_direc ssh_proxy") => new()
    {
        Id = 1,
        ActualStatus = "running",
        PublicIpaddr = ip,
        Ports = hostPort is null ? null : new Dictionary<string, IReadOnlyList<VastPortBinding>?> { ["22/tcp"] = [new() { HostIp = "0.0.0.0", HostPort = hostPort }] },
        SshHost = sshHost,
        SshPort = sshPort,
        ImageRuntype = runtype,
    };

    [Fact]
    public void Uses_the_public_ip_and_the_mapped_22_port_when_the_mapping_exists()
    {
        var ssh = Instance(ip: " 203.0.113.7\n").ResolveSsh();

        Assert.Equal(new VastSshEndpoint { Host = "203.0.113.7", Port = 41022, Route = SshRoute.Direct }, ssh);
    }

    [Fact]
    public void Falls_back_to_the_proxy_pair_and_never_mixes_proxy_host_with_direct_port()
    {
        Assert.Equal(new VastSshEndpoint { Host = "ssh5.vast.ai", Port = 12345, Route = SshRoute.Proxy }, Instance(hostPort: null).ResolveSsh());
        Assert.Equal(new VastSshEndpoint { Host = "ssh5.vast.ai", Port = 12345, Route = SshRoute.Proxy }, Instance(ip: null).ResolveSsh());
        Assert.Equal(new VastSshEndpoint { Host = "ssh5.vast.ai", Port = 12345, Route = SshRoute.Proxy }, Instance(hostPort: "not-a-port").ResolveSsh());
    }

    [Fact]
    public void Jupyter_images_use_the_proxy_port_plus_one_like_the_vast_cli()
    {
        Assert.Equal(12346, Instance(hostPort: null, runtype: "jupyter_proxy").ResolveSsh()!.Port);
    }

    [Fact]
    public void No_endpoint_yet_is_null()
    {
        Assert.Null(Instance(ip: null, hostPort: null, sshHost: null, sshPort: null).ResolveSsh());
    }

    [Fact]
    public void Reads_HostPort_as_a_string_or_a_number()
    {
        var json = """{"instances":[{"id":9,"ports":{"22/tcp":[{"HostIp":"0.0.0.0","HostPort":"40022"}],"8080/tcp":[{"HostPort":40080}],"9/tcp":null},"public_ipaddr":"198.51.100.2","verified":1}]}""";
        // As VastClient reads a list: the "instances" array through the generated metadata under VastJson's lenient options.
        var instances = JsonNode.Parse(json)!["instances"].Deserialize(Json.TypeInfo<List<VastInstance>>(VastJson.Options))!;

        Assert.Equal("40022", instances[0].Ports!["22/tcp"]![0].HostPort);
        Assert.Equal("40080", instances[0].Ports!["8080/tcp"]![0].HostPort);
        Assert.Equal(40022, instances[0].ResolveSsh()!.Port);
    }
}
