using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Vast;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace QuantLab.Ml.Tests.Vast;

/// <summary>Request shapes and answer mappings of every endpoint, against WireMock on loopback.</summary>
[Trait("Category", "Unit")]
public sealed class VastClientContractTests : IDisposable
{
    private readonly WireMockServer server = VastTestKit.StartWireMock();
    private readonly FakeTimeProvider time = VastTestKit.NewClock();
    private readonly VastClient client;

    public VastClientContractTests() => client = VastTestKit.Client(VastTestKit.Options(server.Url!), time);

    public void Dispose() => server.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private void Answer(string method, string path, int status, string body, string contentType = "application/json") =>
        server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType).WithBody(body));

    private async Task<IRequestMessage> OnlyAsync() => Assert.Single(await server.RequestsAsync(1));

    private static string? Header(IRequestMessage m, string name) =>
        m.Headers!.TryGetValue(name, out var v) ? v[0] : null;

    private static JsonObject BodyOf(IRequestMessage m) => JsonNode.Parse(m.Body!)!.AsObject();

    [Fact]
    public async Task Search_posts_the_query_object_itself_to_bundles_with_the_bearer_key()
    {
        Answer("POST", "/api/v0/bundles/", 200, """{"offers":[{"id":11,"dph_total":0.5,"num_gpus":1,"gpu_name":"RTX 4090","reliability2":0.99},{"id":12,"dph_total":0.31,"reliability2":0.97}]}""");
        var query = OfferQuery.FromOptions(new VastOptions());

        var offers = await client.SearchOffersAsync(query, Ct);

        var m = await OnlyAsync();
        Assert.Equal("POST", m.Method);
        Assert.Equal("/api/v0/bundles/", m.Path);
        Assert.Equal($"Bearer {VastTestKit.Key}", Header(m, "Authorization"));
        Assert.DoesNotContain("api_key", m.Url, StringComparison.OrdinalIgnoreCase);
        Assert.True(JsonNode.DeepEquals(query.ToRequestBody(), BodyOf(m)));
        Assert.Equal([12L, 11L], offers.Select(o => o.Id));
    }

    [Fact]
    public async Task Search_works_without_a_key_and_then_sends_no_authorization()
    {
        Answer("POST", "/api/v0/bundles/", 200, """{"offers":[]}""");
        var anonymous = VastTestKit.Client(VastTestKit.Options(server.Url!), time, key: null);

        var offers = await anonymous.SearchOffersAsync(new OfferQuery(), Ct);

        Assert.Empty(offers);
        Assert.Null(Header(await OnlyAsync(), "Authorization"));
    }

    [Fact]
    public async Task Calls_other_than_search_need_a_key_and_send_nothing_without_one()
    {
        var anonymous = VastTestKit.Client(VastTestKit.Options(server.Url!), time, key: null);

        var ex = await Assert.ThrowsAsync<VastAuthException>(() => anonymous.ListInstancesAsync(null, Ct));

        Assert.Contains("VAST_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.LogEntries);
    }

    [Fact]
    public async Task A_search_answer_that_is_not_json_is_an_error_not_zero_offers()
    {
        Answer("POST", "/api/v0/bundles/", 200, "<html>maintenance</html>", "text/html");

        var ex = await Assert.ThrowsAsync<VastApiException>(() => client.SearchOffersAsync(new OfferQuery(), Ct));

        Assert.Contains("text/html", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_puts_image_disk_label_env_object_onstart_runtype_and_cancel_unavail_to_the_ask()
    {
        Answer("PUT", "/api/v0/asks/41001/", 200, """{"success":true,"new_contract":7300123,"instance_api_key":"inst-key-xyz"}""");

        var result = await client.CreateInstanceAsync(41001, VastTestKit.Request(), Ct);

        var created = Assert.IsType<CreateInstanceResult.Created>(result);
        Assert.Equal(7300123, created.InstanceId);
        Assert.Equal("inst-key-xyz", created.InstanceApiKey!.Reveal());
        Assert.DoesNotContain("inst-key-xyz", created.ToString(), StringComparison.Ordinal);
        var m = await OnlyAsync();
        Assert.Equal("PUT", m.Method);
        Assert.Equal($"Bearer {VastTestKit.Key}", Header(m, "Authorization"));
        var body = BodyOf(m);
        Assert.Equal("me", (string?)body["client_id"]);
        Assert.Equal("vastai/base-image:@vastai-automatic-tag", (string?)body["image"]);
        Assert.Equal(50, (double?)body["disk"]);
        Assert.Equal("quantlab-ml:btcusdt-20260313-abc123", (string?)body["label"]);
        Assert.Equal("job-btcusdt-20260313", (string?)body["env"]!["QUANTLAB_JOB"]);
        Assert.Equal("echo started", (string?)body["onstart"]);
        Assert.Equal("ssh_direc ssh_proxy", (string?)body["runtype"]);
        Assert.True((bool?)body["cancel_unavail"]);
        Assert.False(body.ContainsKey("price"));
    }

    [Fact]
    public async Task Create_sends_the_bid_price_only_for_a_bid()
    {
        Answer("PUT", "/api/v0/asks/5/", 200, """{"success":true,"new_contract":9}""");

        await client.CreateInstanceAsync(5, VastTestKit.Request() with { BidPricePerHour = 0.2 }, Ct);

        Assert.Equal(0.2, (double?)BodyOf(await OnlyAsync())["price"]);
    }

    [Theory]
    [InlineData(404, """{"success":false,"error":"invalid_args","msg":"error 404/3603: no_such_ask  Instance type by id 5 is not available.","ask_id":5}""", "OfferUnavailable")]
    [InlineData(410, """{"success":false,"error":"no_such_ask","msg":"error 410/3907: Instance type by id 5 is no longer available."}""", "OfferUnavailable")]
    [InlineData(403, """{"success":false,"error":"invalid_args","msg":"error 403/3586: Offer 5 is not your own"}""", "OfferUnavailable")]
    [InlineData(400, """{"success":false,"error":"invalid_args","msg":"offer 5 already rented"}""", "OfferUnavailable")]
    [InlineData(200, """{"success":false,"error":"invalid_price","msg":"bid too low","new_contract":777}""", "FailedWithContract")]
    [InlineData(400, """{"success":false,"error":"invalid_price","new_contract":"777"}""", "FailedWithContract")]
    [InlineData(502, "Bad Gateway", "Ambiguous")]
    [InlineData(500, """{"success":false,"error":"server_error"}""", "Ambiguous")]
    [InlineData(200, """{"success":true}""", "Ambiguous")]
    [InlineData(200, "", "Ambiguous")]
    [InlineData(429, "API requests too frequent: endpoint threshold=4.5", "RateLimited")]
    [InlineData(429, """{"detail":"API requests too frequent endpoint threshold=4.5"}""", "RateLimited")]
    [InlineData(400, """{"success":false,"error":"insufficient_credit","msg":"Insufficient credits"}""", "Rejected")]
    [InlineData(400, """{"success":false,"error":"invalid_args","msg":"disk too small"}""", "Rejected")]
    public async Task Create_outcomes_are_told_apart_and_never_retried(int status, string body, string expected)
    {
        Answer("PUT", "/api/v0/asks/5/", status, body, body.StartsWith('{') ? "application/json" : "text/plain");

        var result = await time.DriveAsync(client.CreateInstanceAsync(5, VastTestKit.Request(), Ct));

        Assert.Equal(expected, result.GetType().Name);
        Assert.Single(await server.RequestsAsync(1));
        if (result is CreateInstanceResult.FailedWithContract failed)
        {
            Assert.Equal(777, failed.InstanceId);
        }
    }

    [Fact]
    public async Task A_create_with_a_garbled_answer_is_ambiguous_and_sent_once()
    {
        server.Given(Request.Create().WithPath("/api/v0/asks/5/").UsingPut()).RespondWith(Response.Create().WithFault(FaultType.MALFORMED_RESPONSE_CHUNK));

        var result = await time.DriveAsync(client.CreateInstanceAsync(5, VastTestKit.Request(), Ct));

        Assert.IsType<CreateInstanceResult.Ambiguous>(result);
        Assert.Single(await server.RequestsAsync(1));
    }

    [Fact]
    public async Task Get_reads_the_single_object_under_the_plural_key()
    {
        Answer("GET", "/api/v0/instances/77/", 200, """{"instances":{"id":77,"actual_status":"loading","label":"quantlab-ml:x","start_date":1773453600.5,"ssh_host":"ssh5.vast.ai","ssh_port":10077,"ports":null}}""");

        var instance = await client.GetInstanceAsync(77, Ct);

        Assert.Equal("loading", instance!.ActualStatus);
        Assert.Equal("quantlab-ml:x", instance.Label);
        Assert.Equal(new DateTimeOffset(2026, 3, 14, 2, 0, 0, 500, TimeSpan.Zero), instance.Started);
        var m = await OnlyAsync();
        Assert.Equal("GET", m.Method);
        Assert.Equal("me", m.Query!["owner"][0]);
        Assert.Equal($"Bearer {VastTestKit.Key}", Header(m, "Authorization"));
    }

    [Theory]
    [InlineData(200, """{"instances":null}""")]
    [InlineData(404, """{"success":false,"error":"no_such_instance","msg":"Instance 77 not found."}""")]
    public async Task Get_of_a_gone_instance_is_null(int status, string body)
    {
        Answer("GET", "/api/v0/instances/77/", status, body);

        Assert.Null(await client.GetInstanceAsync(77, Ct));
    }

    [Theory]
    [InlineData("""{"success":true}""")]
    [InlineData("""{"instances":[]}""")]
    [InlineData("")]
    public async Task Get_with_a_malformed_answer_is_an_error_not_gone(string body)
    {
        Answer("GET", "/api/v0/instances/77/", 200, body);

        await Assert.ThrowsAsync<VastApiException>(() => client.GetInstanceAsync(77, Ct));
    }

    [Fact]
    public async Task List_pages_through_v1_with_the_cli_query_encoding_until_next_token_is_null()
    {
        server.Given(Request.Create().WithPath("/api/v1/instances/").UsingGet()).InScenario("pages").WillSetStateTo("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"success":true,"instances_found":3,"next_token":"tok/+1","instances":[{"id":1,"label":"quantlab-ml:a"},{"id":2,"label":"other"}]}"""));
        server.Given(Request.Create().WithPath("/api/v1/instances/").UsingGet()).InScenario("pages").WhenStateIs("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"success":true,"instances_found":3,"next_token":null,"instances":[{"id":3,"label":"quantlab-ml:b"}]}"""));

        var all = await client.ListInstancesAsync(null, Ct);

        Assert.Equal([1L, 2L, 3L], all.Select(i => i.Id));
        var requests = await server.RequestsAsync(2);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("/api/v1/instances/", r.Path));
        Assert.Equal("25", requests[0].Query!["limit"][0]);
        Assert.Equal("""[{"col":"id","dir":"asc"}]""", requests[0].Query!["order_by"][0]);
        Assert.False(requests[0].Query!.ContainsKey("after_token"));
        Assert.Equal("tok/+1", requests[1].Query!["after_token"][0]);
    }

    [Fact]
    public async Task List_by_prefix_keeps_only_our_labels()
    {
        Answer("GET", "/api/v1/instances/", 200, """{"success":true,"next_token":null,"instances":[{"id":1,"label":"quantlab-ml:a"},{"id":2,"label":"other"},{"id":3,"label":null}]}""");

        var ours = await client.ListInstancesAsync("quantlab-ml:", Ct);

        Assert.Equal([1L], ours.Select(i => i.Id));
    }

    [Fact]
    public async Task List_by_label_asks_vast_to_filter_on_the_stored_label_column()
    {
        Answer("GET", "/api/v1/instances/", 200, """{"success":true,"next_token":null,"instances":[{"id":4,"label":"quantlab-ml:run-1"}]}""");

        var found = await client.ListInstancesWithLabelAsync("quantlab-ml:run-1", Ct);

        Assert.Single(found);
        Assert.Equal("""{"label":{"eq":"quantlab-ml:run-1"}}""", (await OnlyAsync()).Query!["select_filters"][0]);
    }

    [Theory]
    [InlineData(410, """{"success":false,"error":"deprecated_endpoint","msg":"/api/v0/instances/ is deprecated."}""")]
    [InlineData(200, "")]
    [InlineData(200, """{"success":false,"error":"server_error"}""")]
    [InlineData(200, """{"success":true,"instances":""}""")]
    [InlineData(200, """{"success":true}""")]
    [InlineData(200, "[]")]
    [InlineData(400, """{"success":false,"error":"invalid_token"}""")]
    public async Task A_list_answer_that_is_not_a_list_is_an_error_never_zero_instances(int status, string body)
    {
        Answer("GET", "/api/v1/instances/", status, body);

        var ex = await Assert.ThrowsAsync<VastApiException>(() => client.ListInstancesAsync("quantlab-ml:", Ct));

        Assert.Contains("/api/v1/instances/", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_that_repeats_its_page_token_stops_with_an_error()
    {
        Answer("GET", "/api/v1/instances/", 200, """{"success":true,"next_token":"same","instances":[{"id":1}]}""");

        var ex = await Assert.ThrowsAsync<VastApiException>(() => client.ListInstancesAsync(null, Ct));

        Assert.Contains("repeated a page token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destroy_deletes_the_instance_path()
    {
        Answer("DELETE", "/api/v0/instances/77/", 200, """{"success":true}""");

        Assert.True(await client.DestroyInstanceAsync(77, Ct));

        var m = await OnlyAsync();
        Assert.Equal("DELETE", m.Method);
        Assert.Equal("/api/v0/instances/77/", m.Path);
        Assert.Equal($"Bearer {VastTestKit.Key}", Header(m, "Authorization"));
    }

    [Theory]
    [InlineData(404, """{"success":false,"error":"no_such_instance","msg":"Instance 77 not found."}""")]
    [InlineData(404, """{"success":false,"error":"not_found"}""")]
    public async Task Destroying_an_instance_that_is_already_gone_is_done(int status, string body)
    {
        Answer("DELETE", "/api/v0/instances/77/", status, body);

        Assert.False(await client.DestroyInstanceAsync(77, Ct));
    }

    [Theory]
    [InlineData(200, """{"success":false,"error":"invalid_args","msg":"cannot destroy"}""")]
    [InlineData(200, "")]
    [InlineData(404, "<html>not here</html>")]
    [InlineData(400, """{"success":false,"error":"invalid_args"}""")]
    public async Task A_destroy_that_did_not_clearly_happen_throws_so_the_caller_retries(int status, string body)
    {
        Answer("DELETE", "/api/v0/instances/77/", status, body);

        await Assert.ThrowsAsync<VastApiException>(() => client.DestroyInstanceAsync(77, Ct));
    }

    [Theory]
    [InlineData("DELETE", "/api/v0/instances/77/", 404, """{"success":false,"error":"auth_error","msg":"Invalid user key"}""")]
    [InlineData("GET", "/api/v0/instances/77/", 404, """{"success":false,"error":"auth_error","msg":"Invalid user key"}""")]
    [InlineData("GET", "/api/v1/instances/", 401, """{"detail":"Authentication credentials were not provided."}""")]
    [InlineData("GET", "/api/v0/users/current/", 403, """{"detail":"forbidden"}""")]
    [InlineData("PUT", "/api/v0/asks/5/", 404, """{"success":false,"error":"auth_error","msg":"Invalid user key"}""")]
    [InlineData("PUT", "/api/v0/asks/5/", 401, """{"detail":"bad key"}""")]
    public async Task A_rejected_key_fails_at_once_with_one_clear_message(string method, string path, int status, string body)
    {
        Answer(method, path, status, body);

        Task call = (method, path) switch
        {
            ("DELETE", _) => client.DestroyInstanceAsync(77, Ct),
            ("GET", "/api/v0/instances/77/") => client.GetInstanceAsync(77, Ct),
            ("GET", "/api/v1/instances/") => client.ListInstancesAsync(null, Ct),
            ("GET", _) => client.GetCurrentUserAsync(Ct),
            _ => client.CreateInstanceAsync(5, VastTestKit.Request(), Ct),
        };
        var ex = await Assert.ThrowsAsync<VastAuthException>(() => call);

        Assert.StartsWith("the Vast API key was rejected", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Single(await server.RequestsAsync(1));
    }

    [Fact]
    public async Task Set_label_puts_the_label_on_the_instance()
    {
        Answer("PUT", "/api/v0/instances/77/", 200, """{"success":true,"msg":"label for 77 set to 'x'"}""");

        await client.SetLabelAsync(77, "quantlab-ml:done", Ct);

        var m = await OnlyAsync();
        Assert.Equal("PUT", m.Method);
        Assert.Equal("""{"label":"quantlab-ml:done"}""", BodyOf(m).ToJsonString());
    }

    [Fact]
    public async Task Set_label_on_a_missing_instance_is_an_error()
    {
        Answer("PUT", "/api/v0/instances/77/", 404, """{"success":false,"error":"no_such_instance"}""");

        var ex = await Assert.ThrowsAsync<VastApiException>(() => client.SetLabelAsync(77, "quantlab-ml:done", Ct));

        Assert.Equal("no_such_instance", ex.ErrorCode);
    }

    [Fact]
    public async Task Attach_ssh_key_posts_the_public_key_to_the_instance_ssh_path()
    {
        Answer("POST", "/api/v0/instances/77/ssh/", 200, """{"success":true,"msg":"ok"}""");

        await client.AttachSshKeyAsync(77, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAItest quantlab\n", Ct);

        var m = await OnlyAsync();
        Assert.Equal("POST", m.Method);
        Assert.Equal("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAItest quantlab", (string?)BodyOf(m)["ssh_key"]);
    }

    [Fact]
    public async Task Attach_ssh_key_refuses_a_private_key_before_sending_anything()
    {
        await Assert.ThrowsAsync<QuantLab.Ml.Common.UsageException>(
            () => client.AttachSshKeyAsync(77, "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", Ct));

        Assert.Empty(server.LogEntries);
    }

    [Fact]
    public async Task Current_user_checks_the_key()
    {
        Answer("GET", "/api/v0/users/current/", 200, """{"id":42,"email":"ops@example.invalid","credit":12.5,"ssh_key":null}""");

        var user = await client.GetCurrentUserAsync(Ct);

        Assert.Equal(42, user.Id);
        Assert.Equal(12.5, user.Credit);
    }
}
