using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    private readonly Secret? apiKey;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly VastResponses responses;
    private readonly VastTransport transport;

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
        Options = options.Validate();
        this.apiKey = apiKey;
        this.time = time;
        this.log = log.ForContext<VastClient>();
        responses = new VastResponses(Options, apiKey);
        transport = new VastTransport(http, Options, apiKey, time, this.log, responses);
    }

    public VastOptions Options { get; }

    /// <summary>False when only the offer search is possible (no API key).</summary>
    public bool HasApiKey => apiKey is not null;

    /// <summary>Checks the key: <c>GET /api/v0/users/current/</c>. Throws <see cref="VastAuthException"/> when it is rejected.</summary>
    public async Task<VastUser> GetCurrentUserAsync(CancellationToken ct)
    {
        var call = new VastCall(VastEndpoint.CurrentUser, HttpMethod.Get, "api/v0/users/current/");
        var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (r.StatusCode != 200)
        {
            throw responses.Failure(call, r);
        }

        return responses.Deserialize<VastUser>(call, responses.ParseObject(call, r));
    }

    /// <summary>
    /// <c>POST /api/v0/bundles/</c> with the query; returns the usable offers, cheapest real $/h first (see <see cref="OfferQuery.Rank"/>).
    /// </summary>
    public async Task<IReadOnlyList<VastOffer>> SearchOffersAsync(OfferQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var call = new VastCall(VastEndpoint.SearchOffers, HttpMethod.Post, "api/v0/bundles/", query.ToRequestBody());
        var r = await transport.SendAsync(call, idempotent: true, ct, requireKey: false).ConfigureAwait(false);
        if (r.StatusCode != 200)
        {
            throw responses.Failure(call, r);
        }

        // The Vast CLI rejects a search answer that is not JSON too: an HTML error page must not read as "no offers".
        if (!string.Equals(r.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new VastApiException(responses.Clean($"Vast {call} answered {r.MediaType ?? "no content type"} instead of JSON")) { StatusCode = r.StatusCode };
        }

        var offers = responses.ParseObject(call, r)["offers"] as JsonArray
            ?? throw new VastApiException(responses.Clean($"Vast {call} answered without an 'offers' list")) { StatusCode = r.StatusCode };
        var all = responses.Deserialize<List<VastOffer>>(call, offers);
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
        var call = new VastCall(VastEndpoint.CreateInstance, HttpMethod.Put, $"api/v0/asks/{offerId}/", request.ToRequestBody());
        VastHttpResponse r;
        try
        {
            r = await transport.SendAsync(call, idempotent: false, ct).ConfigureAwait(false);
        }
        catch (VastApiException ex) when (ex is not VastAuthException && ex.StatusCode is null)
        {
            log.Warning("Vast create on offer {OfferId} for {Label} has an unknown outcome: {Reason}", offerId, request.Label, ex.Message);
            return new CreateInstanceResult.Ambiguous { Message = ex.Message };
        }

        var result = VastCreateClassifier.Classify(responses, call, r);
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
        var call = new VastCall(VastEndpoint.GetInstance, HttpMethod.Get, $"api/v0/instances/{instanceId}/", Query: "owner=me");
        var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (r.StatusCode == 404 && VastResponses.IsNoSuchInstance(r) && !VastResponses.IsAuthFailure(r))
        {
            return null;
        }

        if (r.StatusCode != 200)
        {
            throw responses.Failure(call, r);
        }

        var root = responses.ParseObject(call, r);
        if (!root.TryGetPropertyValue("instances", out var node))
        {
            throw new VastApiException(responses.Clean($"Vast {call} answered without an 'instances' field")) { StatusCode = r.StatusCode };
        }

        return node switch
        {
            null => null,

            // The real API answers {"instances": {}} for an instance that is gone (destroyed moments ago).
            JsonObject { Count: 0 } => null,
            JsonObject o => responses.Deserialize<VastInstance>(call, o),
            _ => throw new VastApiException(responses.Clean($"Vast {call} answered 'instances' as {node.GetValueKind()}, not an object")) { StatusCode = r.StatusCode },
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
        var call = new VastCall(VastEndpoint.DestroyInstance, HttpMethod.Delete, $"api/v0/instances/{instanceId}/", new JsonObject());
        var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (VastResponses.IsAuthFailure(r))
        {
            throw responses.Failure(call, r);
        }

        if (VastResponses.IsNoSuchInstance(r) && r.StatusCode is 200 or 400 or 404)
        {
            log.Information("Vast instance {InstanceId} was already destroyed", instanceId);
            return false;
        }

        if (!VastResponses.IsSuccess(r))
        {
            throw responses.Failure(call, r);
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

        var call = new VastCall(VastEndpoint.UpdateInstance, HttpMethod.Put, $"api/v0/instances/{instanceId}/", new JsonObject { ["label"] = label });
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

        var call = new VastCall(VastEndpoint.AttachSshKey, HttpMethod.Post, $"api/v0/instances/{instanceId}/ssh/", new JsonObject { ["ssh_key"] = key });
        await SendExpectingSuccessAsync(call, ct).ConfigureAwait(false);
        log.Information("Vast instance {InstanceId} got SSH key {KeyType}", instanceId, key.Split(' ')[0]);
    }

    private async Task SendExpectingSuccessAsync(VastCall call, CancellationToken ct)
    {
        var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
        if (!VastResponses.IsSuccess(r))
        {
            throw responses.Failure(call, r);
        }
    }

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

            var call = new VastCall(VastEndpoint.ListInstances, HttpMethod.Get, "api/v1/instances/", Query: query.ToString());
            var r = await transport.SendAsync(call, idempotent: true, ct).ConfigureAwait(false);
            if (r.StatusCode != 200)
            {
                throw responses.Failure(call, r, "an instance list that is not a list is never read as zero instances");
            }

            var root = VastResponses.TryParseObject(r.Body)
                ?? throw new VastApiException(responses.Clean($"Vast {call} answered an empty or non-JSON body; refusing to read it as zero instances")) { StatusCode = r.StatusCode };
            if (root["success"]?.GetValueKind() == JsonValueKind.False || root["instances"] is not JsonArray rows)
            {
                throw responses.Failure(call, r, "the answer has no 'instances' list; refusing to read it as zero instances");
            }

            all.AddRange(responses.Deserialize<List<VastInstance>>(call, rows));
            token = root["next_token"] is JsonValue v && v.TryGetValue<string>(out var next) && next.Length > 0 ? next : null;
            if (token is null)
            {
                return all;
            }

            if (!seenTokens.Add(token))
            {
                throw new VastApiException(responses.Clean($"Vast {call} repeated a page token; the list would never end"));
            }
        }

        throw new VastApiException($"Vast instance list has more than {MaxListPages} pages; refusing to go on");
    }
}
