using System.Net.Http.Headers;
using System.Text;
using Polly;
using Polly.Timeout;
using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Vast;

/// <summary>
/// The HTTP side of the Vast client: every request goes through the one resilience pipeline (paced per endpoint,
/// idempotent calls retried, a create never), with the key only in the Authorization header; transport failures become
/// one masked <see cref="VastApiException"/>.
/// </summary>
internal sealed class VastTransport
{
    private readonly HttpClient http;
    private readonly VastOptions options;
    private readonly Secret? apiKey;
    private readonly TimeProvider time;
    private readonly ILogger log;
    private readonly VastResponses responses;
    private readonly Uri baseUri;
    private readonly ResiliencePipeline<VastHttpResponse> pipeline;

    public VastTransport(HttpClient http, VastOptions options, Secret? apiKey, TimeProvider time, ILogger log, VastResponses responses)
    {
        this.http = http;
        this.options = options;
        this.apiKey = apiKey;
        this.time = time;
        this.log = log;
        this.responses = responses;
        baseUri = options.BaseUri;
        pipeline = VastResilience.Create(options, time, log);
    }

    public async Task<VastHttpResponse> SendAsync(VastCall call, bool idempotent, CancellationToken ct, bool requireKey = true)
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
            var limit = call.Endpoint == VastEndpoint.CreateInstance ? options.CreateTimeout : options.RequestTimeout;
            throw new VastApiException(responses.Clean($"Vast {call} did not answer within {limit.TotalSeconds:0.#} s"), ex) { IsTransient = true };
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new VastApiException(responses.Clean($"Vast {call} timed out (HttpClient.Timeout)"), ex) { IsTransient = true };
        }
        catch (HttpRequestException ex)
        {
            throw new VastApiException(responses.Clean($"cannot reach Vast for {call}: {ex.HttpRequestError} ({ex.Message})"), ex) { IsTransient = true };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<VastHttpResponse> SendOnceAsync(VastCall call, CancellationToken ct)
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
}

/// <summary>One request: endpoint, method, path relative to the base URL (with its trailing slash), optional query and body.</summary>
internal sealed record VastCall(VastEndpoint Endpoint, HttpMethod Method, string Path, System.Text.Json.Nodes.JsonNode? Body = null, string? Query = null)
{
    public override string ToString() => $"{Method.Method} /{Path}";
}
