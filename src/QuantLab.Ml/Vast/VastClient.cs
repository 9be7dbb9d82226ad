using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Timeout;
using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Vast;

/// <summary>
/// Typed client of the Vast.ai REST API (see docs/vast-api.md). Every call is paced per endpoint; idempotent calls are
/// retried with backoff; a create is never retried. The API key goes only into the Authorization header and is masked
/// out of every message.
/// </summary>
public sealed partial class VastClient
{
    private const int MaxListPages = 1000;
    private const int MaxMessageLength = 300;

    private readonly HttpClient http;
    private readonly Secret? apiKey;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly Uri baseUri;
    private readonly ResiliencePipeline<VastHttpResponse> pipeline;

    /// <summary>
    /// <paramref name="http"/> stays the caller's; its own Timeout should be longer than <see cref="VastOptions.RequestTimeout"/>
    /// (or infinite). A null <paramref name="apiKey"/> allows only the offer search, which Vast serves without a key.
    /// </summary>
    public VastClient(HttpClient http, VastOptions options, Secret? apiKey, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        this.http = http;
        Options = options.Validate();
        this.apiKey = apiKey;
        this.time = time;
        this.log = log.ForContext<VastClient>();
        baseUri = options.BaseUri;
        pipeline = VastResilience.Create(options, time, this.log);
    }

    public VastOptions Options { get; }

    /// <summary>False when only the offer search is possible (no API key).</summary>
    public bool HasApiKey => apiKey is not null;

    /// <summary>Checks the key: <c>GET /api/v0/users/current/</c>. Throws <see cref="VastAuthException"/> when it is rejected.</summary>
    public async Task<VastUser> GetCurrentUserAsync(CancellationToken ct)
    {
        var call = new Call(VastEndpoint.CurrentUser, HttpMethod.Get, "api/v0/users/current/");
        var r = await SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (r.StatusCode != 200)
        {
            throw Failure(call, r);
        }

        return Deserialize<VastUser>(call, ParseObject(call, r));
    }

    /// <summary>
    /// <c>POST /api/v0/bundles/</c> with the query; returns the usable offers, cheapest real $/h first (see <see cref="OfferQuery.Rank"/>).
    /// </summary>
    public async Task<IReadOnlyList<VastOffer>> SearchOffersAsync(OfferQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var call = new Call(VastEndpoint.SearchOffers, HttpMethod.Post, "api/v0/bundles/", query.ToRequestBody());
        var r = await SendAsync(call, idempotent: true, ct, requireKey: false).ConfigureAwait(false);
        if (r.StatusCode != 200)
        {
            throw Failure(call, r);
        }

        // The Vast CLI rejects a search answer that is not JSON too: an HTML error page must not read as "no offers".
        if (!string.Equals(r.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new VastApiException(Clean($"Vast {call} answered {r.MediaType ?? "no content type"} instead of JSON")) { StatusCode = r.StatusCode };
        }

        var offers = ParseObject(call, r)["offers"] as JsonArray
            ?? throw new VastApiException(Clean($"Vast {call} answered without an 'offers' list")) { StatusCode = r.StatusCode };
        var all = Deserialize<List<VastOffer>>(call, offers);
        var ranked = query.Rank(all);
        log.Information("Vast offer search for {Query} returned {Returned} offers, {Usable} usable", query.Describe(), all.Count, ranked.Count);
        return ranked;
    }

    /// <summary>
    /// Accepts offer <paramref name="offerId"/> (<c>PUT /api/v0/asks/{id}/</c>), once: never retried, because a retry after
    /// a lost answer can rent a second, paid instance. The result says what is safe to do next.
    /// </summary>
    public async Task<CreateInstanceResult> CreateInstanceAsync(long offerId, CreateInstanceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(offerId);
        request.Validate(Options.LabelPrefix);
        var call = new Call(VastEndpoint.CreateInstance, HttpMethod.Put, $"api/v0/asks/{offerId}/", request.ToRequestBody());
        VastHttpResponse r;
        try
        {
            r = await SendAsync(call, idempotent: false, ct).ConfigureAwait(false);
        }
        catch (VastApiException ex) when (ex is not VastAuthException && ex.StatusCode is null)
        {
            log.Warning("Vast create on offer {OfferId} for {Label} has an unknown outcome: {Reason}", offerId, request.Label, ex.Message);
            return new CreateInstanceResult.Ambiguous { Message = ex.Message };
        }

        var result = ClassifyCreate(call, r);
        switch (result)
        {
            case CreateInstanceResult.Created c:
                log.Information("Vast created instance {InstanceId} from offer {OfferId} with label {Label}", c.InstanceId, offerId, request.Label);
                break;
            case CreateInstanceResult.FailedWithContract f:
                log.Warning("Vast create on offer {OfferId} failed but left instance {InstanceId}: {Reason}", offerId, f.InstanceId, f.Message);
                break;
            default:
                log.Warning("Vast create on offer {OfferId} did not rent ({Outcome}): {Reason}", offerId, result.GetType().Name, result.Message);
                break;
        }

        return result;
    }

    /// <summary><c>GET /api/v0/instances/{id}/</c>; null when the instance no longer exists.</summary>
    public async Task<VastInstance?> GetInstanceAsync(long instanceId, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        var call = new Call(VastEndpoint.GetInstance, HttpMethod.Get, $"api/v0/instances/{instanceId}/", Query: "owner=me");
        var r = await SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (r.StatusCode == 404 && IsNoSuchInstance(r) && !IsAuthFailure(r))
        {
            return null;
        }

        if (r.StatusCode != 200)
        {
            throw Failure(call, r);
        }

        var root = ParseObject(call, r);
        if (!root.TryGetPropertyValue("instances", out var node))
        {
            throw new VastApiException(Clean($"Vast {call} answered without an 'instances' field")) { StatusCode = r.StatusCode };
        }

        return node switch
        {
            null => null,

            // The real API answers {"instances": {}} for an instance that is gone (destroyed moments ago).
            JsonObject { Count: 0 } => null,
            JsonObject o => Deserialize<VastInstance>(call, o),
            _ => throw new VastApiException(Clean($"Vast {call} answered 'instances' as {node.GetValueKind()}, not an object")) { StatusCode = r.StatusCode },
        };
    }

    /// <summary>
    /// Every instance of the account over all pages of <c>GET /api/v1/instances/</c>, optionally only labels starting with
    /// <paramref name="labelPrefix"/>. Any answer that is not a list (410, empty body, error object) throws; it is never "no instances".
    /// </summary>
    public async Task<IReadOnlyList<VastInstance>> ListInstancesAsync(string? labelPrefix, CancellationToken ct)
    {
        var all = await ListAllAsync(selectFilters: null, ct).ConfigureAwait(false);
        return labelPrefix is null
            ? all
            : all.Where(i => i.Label?.StartsWith(labelPrefix, StringComparison.Ordinal) == true).ToList();
    }

    /// <summary>Instances whose label is exactly <paramref name="label"/> (filtered by Vast and checked again here).</summary>
    public async Task<IReadOnlyList<VastInstance>> ListInstancesWithLabelAsync(string label, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        var filters = new JsonObject { ["label"] = new JsonObject { ["eq"] = label } };
        var all = await ListAllAsync(filters, ct).ConfigureAwait(false);
        return all.Where(i => i.Label == label).ToList();
    }

    /// <summary>
    /// <c>DELETE /api/v0/instances/{id}/</c>; idempotent: true when destroyed now, false when it was already gone
    /// (<c>no_such_instance</c>/404). Throws on anything else, so the caller retries instead of leaking the instance.
    /// </summary>
    public async Task<bool> DestroyInstanceAsync(long instanceId, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        var call = new Call(VastEndpoint.DestroyInstance, HttpMethod.Delete, $"api/v0/instances/{instanceId}/", new JsonObject());
        var r = await SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (IsAuthFailure(r))
        {
            throw Failure(call, r);
        }

        if (IsNoSuchInstance(r) && r.StatusCode is 200 or 400 or 404)
        {
            log.Information("Vast instance {InstanceId} was already destroyed", instanceId);
            return false;
        }

        if (!IsSuccess(r))
        {
            throw Failure(call, r);
        }

        log.Information("Vast destroyed instance {InstanceId}", instanceId);
        return true;
    }

    /// <summary><c>PUT /api/v0/instances/{id}/</c> with <c>{"label": ...}</c>.</summary>
    public async Task SetLabelAsync(long instanceId, string label, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        if (string.IsNullOrEmpty(label) || label.Length > 128 || label.Any(char.IsControl))
        {
            throw new UsageException("vast label must be 1-128 characters without control characters");
        }

        var call = new Call(VastEndpoint.UpdateInstance, HttpMethod.Put, $"api/v0/instances/{instanceId}/", new JsonObject { ["label"] = label });
        await SendExpectingSuccessAsync(call, ct).ConfigureAwait(false);
        log.Information("Vast instance {InstanceId} labelled {Label}", instanceId, label);
    }

    /// <summary>
    /// <c>POST /api/v0/instances/{id}/ssh/</c>: registers <paramref name="publicKey"/> on that instance through the API
    /// (keys written by onstart get wiped when Vast refreshes the instance).
    /// </summary>
    public async Task AttachSshKeyAsync(long instanceId, string publicKey, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(instanceId);
        var key = publicKey?.Trim() ?? string.Empty;
        if (!VastOptions.IsPublicKeyLine(key))
        {
            throw new UsageException("vast ssh key: expected one OpenSSH public key line (ssh-ed25519 AAAA... comment)");
        }

        var call = new Call(VastEndpoint.AttachSshKey, HttpMethod.Post, $"api/v0/instances/{instanceId}/ssh/", new JsonObject { ["ssh_key"] = key });
        await SendExpectingSuccessAsync(call, ct).ConfigureAwait(false);
        log.Information("Vast instance {InstanceId} got SSH key {KeyType}", instanceId, key.Split(' ')[0]);
    }

    private async Task SendExpectingSuccessAsync(Call call, CancellationToken ct)
    {
        var r = await SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (!IsSuccess(r))
        {
            throw Failure(call, r);
        }
    }

    // Only a JSON object that does not say success:false counts: an empty 200 from a proxy must not read as "destroyed".
    private static bool IsSuccess(VastHttpResponse r) =>
        r.StatusCode == 200 && TryParseObject(r.Body) is { } root && root["success"]?.GetValueKind() != JsonValueKind.False;

    private async Task<List<VastInstance>> ListAllAsync(JsonObject? selectFilters, CancellationToken ct)
    {
        var all = new List<VastInstance>();
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        for (var page = 0; page < MaxListPages; page++)
        {
            // Values are JSON (strings as-is), URL-encoded, as the Vast CLI sends them.
            var query = new StringBuilder("limit=25&order_by=").Append(Uri.EscapeDataString("[{\"col\":\"id\",\"dir\":\"asc\"}]"));
            if (selectFilters is not null)
            {
                query.Append("&select_filters=").Append(Uri.EscapeDataString(selectFilters.ToJsonString()));
            }

            if (token is not null)
            {
                query.Append("&after_token=").Append(Uri.EscapeDataString(token));
            }

            var call = new Call(VastEndpoint.ListInstances, HttpMethod.Get, "api/v1/instances/", Query: query.ToString());
            var r = await SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
            if (r.StatusCode != 200)
            {
                throw Failure(call, r, "an instance list that is not a list is never read as zero instances");
            }

            var root = TryParseObject(r.Body)
                ?? throw new VastApiException(Clean($"Vast {call} answered an empty or non-JSON body; refusing to read it as zero instances")) { StatusCode = r.StatusCode };
            if (root["success"]?.GetValueKind() == JsonValueKind.False || root["instances"] is not JsonArray rows)
            {
                throw Failure(call, r, "the answer has no 'instances' list; refusing to read it as zero instances");
            }

            all.AddRange(Deserialize<List<VastInstance>>(call, rows));
            token = root["next_token"] is JsonValue v && v.TryGetValue<string>(out var next) && next.Length > 0 ? next : null;
            if (token is null)
            {
                return all;
            }

            if (!seenTokens.Add(token))
            {
                throw new VastApiException(Clean($"Vast {call} repeated a page token; the list would never end"));
            }
        }

        throw new VastApiException($"Vast instance list has more than {MaxListPages} pages; refusing to go on");
    }

    private CreateInstanceResult ClassifyCreate(Call call, VastHttpResponse r)
    {
        var root = TryParseObject(r.Body);
        var success = root?["success"]?.GetValueKind() == JsonValueKind.True;
        var contract = ReadId(root?["new_contract"]);
        var (error, msg) = ErrorFields(root, r);
        var message = Clean(string.Join(": ", new[] { error, msg }.Where(s => !string.IsNullOrWhiteSpace(s))));
        if (message.Length == 0)
        {
            message = $"HTTP {r.StatusCode}";
        }

        if (contract is { } id)
        {
            if (r.StatusCode == 200 && success)
            {
                var instanceKey = root?["instance_api_key"] is JsonValue k && k.TryGetValue<string>(out var ks) && ks.Length > 0 ? new Secret(ks) : null;
                return new CreateInstanceResult.Created { InstanceId = id, InstanceApiKey = instanceKey, Message = "created" };
            }

            // Seen with low bids: success:false and yet a stopped instance that bills storage (dstack #4036).
            return new CreateInstanceResult.FailedWithContract { InstanceId = id, Message = message };
        }

        if (IsAuthFailure(r) && !(r.StatusCode == 403 && message.Contains("not your own", StringComparison.OrdinalIgnoreCase)))
        {
            throw Failure(call, r);
        }

        if (r.StatusCode == 429)
        {
            return new CreateInstanceResult.RateLimited { Message = message };
        }

        if (r.StatusCode >= 500 || (r.StatusCode == 200 && (root is null || success)))
        {
            var why = r.StatusCode == 200 ? "success without an instance id" : $"HTTP {r.StatusCode}";
            return new CreateInstanceResult.Ambiguous { Message = Clean($"{why}: {message}") };
        }

        if (r.StatusCode is 403 or 404 or 410 || IsOfferGoneText(message))
        {
            return new CreateInstanceResult.OfferUnavailable { Message = message };
        }

        return new CreateInstanceResult.Rejected { StatusCode = r.StatusCode, ErrorCode = error, Message = message };
    }

    // SkyPilot's rule plus Vast's own codes: no_such_ask (404/3603, 410/3907) or "offer ... unavailable / no longer / already rented".
    private static bool IsOfferGoneText(string text) =>
        text.Contains("no_such_ask", StringComparison.OrdinalIgnoreCase)
        || (text.Contains("offer", StringComparison.OrdinalIgnoreCase)
            && (text.Contains("unavailable", StringComparison.OrdinalIgnoreCase)
                || text.Contains("no longer", StringComparison.OrdinalIgnoreCase)
                || text.Contains("already rented", StringComparison.OrdinalIgnoreCase)
                || text.Contains("already been rented", StringComparison.OrdinalIgnoreCase)));

    private static long? ReadId(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l > 0 ? l : null;
        }

        if (v.TryGetValue<double>(out var d) && d >= 1 && d < long.MaxValue && d == Math.Floor(d))
        {
            return (long)d;
        }

        return v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : null;
    }

    private async Task<VastHttpResponse> SendAsync(Call call, bool idempotent, CancellationToken ct, bool requireKey = true)
    {
        if (requireKey && apiKey is null)
        {
            throw new VastAuthException($"no Vast API key for {call}: set {VastApiKey.EnvironmentVariable} or Vast:ApiKeyFile");
        }

        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(VastResilience.EndpointKey, call.Endpoint);
        context.Properties.Set(VastResilience.IdempotentKey, idempotent);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, state) => state.Self.SendOnceAsync(state.Call, ctx.CancellationToken),
                context,
                (Self: this, Call: call)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            var limit = call.Endpoint == VastEndpoint.CreateInstance ? Options.CreateTimeout : Options.RequestTimeout;
            throw new VastApiException(Clean($"Vast {call} did not answer within {limit.TotalSeconds:0.#} s"), ex) { IsTransient = true };
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new VastApiException(Clean($"Vast {call} timed out (HttpClient.Timeout)"), ex) { IsTransient = true };
        }
        catch (HttpRequestException ex)
        {
            throw new VastApiException(Clean($"cannot reach Vast for {call}: {ex.HttpRequestError} ({ex.Message})"), ex) { IsTransient = true };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<VastHttpResponse> SendOnceAsync(Call call, CancellationToken ct)
    {
        var uri = new Uri(baseUri, call.Query is null ? call.Path : call.Path + "?" + call.Query);
        using var request = new HttpRequestMessage(call.Method, uri);
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey.Reveal());
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (call.Body is not null)
        {
            request.Content = new StringContent(call.Body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        var started = time.GetTimestamp();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        log.Debug("Vast {Call} answered {StatusCode} in {ElapsedMs} ms", call.ToString(), status, (long)time.GetElapsedTime(started).TotalMilliseconds);
        return new VastHttpResponse
        {
            StatusCode = status,
            MediaType = response.Content.Headers.ContentType?.MediaType,
            Body = body,
            RetryAfter = response.Headers.RetryAfter?.Delta,
        };
    }

    private static bool IsAuthFailure(VastHttpResponse r)
    {
        if (r.StatusCode is 401 or 403)
        {
            return true;
        }

        if (r.StatusCode != 404)
        {
            return false;
        }

        // Vast answers a bad key with 404 auth_error, not 401: telling it apart from "not found" matters for destroy.
        var (error, msg) = ErrorFields(TryParseObject(r.Body), r);
        return string.Equals(error, "auth_error", StringComparison.OrdinalIgnoreCase)
            || msg?.Contains("invalid user key", StringComparison.OrdinalIgnoreCase) == true;
    }

    private static bool IsNoSuchInstance(VastHttpResponse r)
    {
        var (error, msg) = ErrorFields(TryParseObject(r.Body), r);
        var text = $"{error} {msg}";
        return text.Contains("no_such_instance", StringComparison.OrdinalIgnoreCase)
            || text.Contains("not_found", StringComparison.OrdinalIgnoreCase);
    }

    private VastApiException Failure(Call call, VastHttpResponse r, string? note = null)
    {
        var root = TryParseObject(r.Body);
        var (error, msg) = ErrorFields(root, r);
        var detail = string.Join(": ", new[] { error, msg }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (IsAuthFailure(r))
        {
            return new VastAuthException(Clean($"the Vast API key was rejected ({call}: HTTP {r.StatusCode} {detail})"))
            {
                StatusCode = r.StatusCode,
                ErrorCode = error,
            };
        }

        var text = r.StatusCode == 429
            ? $"Vast {call} is still rate limited (HTTP 429) after {Options.Backoff.MaxRetries} retries: {detail}"
            : $"Vast {call} failed: HTTP {r.StatusCode} {detail}";
        if (note is not null)
        {
            text += $" ({note})";
        }

        return new VastApiException(Clean(text))
        {
            StatusCode = r.StatusCode,
            ErrorCode = error,
            IsTransient = VastResilience.IsTransientStatus(r.StatusCode),
        };
    }

    private static (string? Error, string? Msg) ErrorFields(JsonObject? root, VastHttpResponse r)
    {
        if (root is null)
        {
            return (null, r.Body);
        }

        static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString();
        return (Text(root["error"]), Text(root["msg"]) ?? Text(root["detail"]) ?? Text(root["message"]));
    }

    private static JsonObject? TryParseObject(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private JsonObject ParseObject(Call call, VastHttpResponse r) =>
        TryParseObject(r.Body) ?? throw new VastApiException(Clean($"Vast {call} answered {(string.IsNullOrWhiteSpace(r.Body) ? "an empty body" : "something that is not a JSON object")}"))
        {
            StatusCode = r.StatusCode,
        };

    private T Deserialize<T>(Call call, JsonNode node)
    {
        try
        {
            return node.Deserialize(Json.TypeInfo<T>(VastJson.Options)) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new VastApiException(Clean($"Vast {call} answered JSON we cannot read: {ex.Message}"), ex);
        }
    }

    /// <summary>One line, masked, bounded: what may go into an exception or a log.</summary>
    private string Clean(string text)
    {
        var masked = apiKey?.Mask(text) ?? text;
        var sb = new StringBuilder(Math.Min(masked.Length, MaxMessageLength + 1));
        var lastSpace = false;
        foreach (var c in masked)
        {
            var space = char.IsWhiteSpace(c) || char.IsControl(c);
            if (space && lastSpace)
            {
                continue;
            }

            sb.Append(space ? ' ' : c);
            lastSpace = space;
            if (sb.Length >= MaxMessageLength)
            {
                sb.Append('…');
                break;
            }
        }

        return sb.ToString().Trim();
    }

    /// <summary>One request: endpoint, method, path relative to the base URL (with its trailing slash), optional query and body.</summary>
    private sealed record Call(VastEndpoint Endpoint, HttpMethod Method, string Path, JsonNode? Body = null, string? Query = null)
    {
        public override string ToString() => $"{Method.Method} /{Path}";
    }
}
