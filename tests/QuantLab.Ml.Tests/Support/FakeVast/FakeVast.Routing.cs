using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>How a request reaches its handler: authorization, pacing, injected faults, the route table and the JSON and text answers.</summary>
public sealed partial class FakeVast
{
    private async Task HandleAsync(HttpContext ctx)
    {
        int sequence;
        lock (gate)
        {
            sequence = ++nextSequence;
        }

        var request = ctx.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        var path = request.Path.Value ?? string.Empty;
        var (route, id) = Classify(request.Method, path);
        var authorization = request.Headers.Authorization.ToString();
        try
        {
            await DispatchAsync(ctx, route, id, body, authorization);
        }
        catch (OperationCanceledException)
        {
            ctx.Abort();
        }
        finally
        {
            var call = new FakeVastCall
            {
                Sequence = sequence,
                Method = request.Method,
                Path = path,
                Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty,
                Body = body,
                Route = route,
                Authorization = string.IsNullOrEmpty(authorization) ? null : authorization,
                StatusCode = ctx.RequestAborted.IsCancellationRequested ? 499 : ctx.Response.StatusCode,
            };
            lock (gate)
            {
                calls.Add(call);
                calls.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            }
        }
    }

    private static (FakeVastRoute? Route, long Id) Classify(string method, string path)
    {
        if (path == "/api/v0/bundles/" && method == "POST")
        {
            return (FakeVastRoute.SearchOffers, 0);
        }

        if (path == "/api/v1/instances/" && method == "GET")
        {
            return (FakeVastRoute.ListInstancesV1, 0);
        }

        if (path == "/api/v0/instances/" && method == "GET")
        {
            return (FakeVastRoute.ListInstancesV0, 0);
        }

        if (path == "/api/v0/users/current/" && method == "GET")
        {
            return (FakeVastRoute.CurrentUser, 0);
        }

        var m = AskPath().Match(path);
        if (m.Success && method == "PUT")
        {
            return (FakeVastRoute.CreateInstance, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        m = InstanceSshPath().Match(path);
        if (m.Success && method == "POST")
        {
            return (FakeVastRoute.AttachSshKey, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        m = InstancePath().Match(path);
        if (m.Success)
        {
            var id = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return method switch
            {
                "GET" => (FakeVastRoute.GetInstance, id),
                "PUT" => (FakeVastRoute.UpdateInstance, id),
                "DELETE" => (FakeVastRoute.DestroyInstance, id),
                _ => (null, 0),
            };
        }

        return (null, 0);
    }

    [GeneratedRegex(@"^/api/v0/asks/(\d{1,15})/$")]
    private static partial Regex AskPath();

    [GeneratedRegex(@"^/api/v0/instances/(\d{1,15})/$")]
    private static partial Regex InstancePath();

    [GeneratedRegex(@"^/api/v0/instances/(\d{1,15})/ssh/$")]
    private static partial Regex InstanceSshPath();

    private async Task DispatchAsync(HttpContext ctx, FakeVastRoute? route, long id, string body, string authorization)
    {
        if (route is null)
        {
            await WriteJson(ctx, 404, Error("fake_unknown_endpoint", $"the fake Vast does not serve {ctx.Request.Method} {ctx.Request.Path}"));
            return;
        }

        var query = ctx.Request.Query;
        var bearerOk = authorization == "Bearer " + options.ApiKey || query["api_key"] == options.ApiKey;
        if (!bearerOk && authorization.StartsWith("Bearer fake-instance-key-", StringComparison.Ordinal))
        {
            // An instance's own key: only for that instance's own routes; its DELETE only when InstanceKeysMayDestroy.
            var ownInstance = authorization == "Bearer " + InstanceKey(id)
                && route is FakeVastRoute.GetInstance or FakeVastRoute.DestroyInstance or FakeVastRoute.UpdateInstance or FakeVastRoute.AttachSshKey;
            if (!ownInstance)
            {
                await WriteJson(ctx, 403, Error("forbidden", "this key may only act on its own instance"));
                return;
            }

            if (route == FakeVastRoute.DestroyInstance && !InstanceKeysMayDestroy)
            {
                await WriteJson(ctx, 403, Error("forbidden", "this key lacks the instance_write permission"));
                return;
            }

            bearerOk = true;
        }

        if (IsTooSoon(route.Value))
        {
            await WriteText(ctx, 429, "API requests too frequent: endpoint threshold=" + Pacing[route.Value].TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            return;
        }

        var anonymousOk = route == FakeVastRoute.SearchOffers && string.IsNullOrEmpty(authorization) && !query.ContainsKey("api_key");
        if (RejectAllKeys || !(bearerOk || anonymousOk))
        {
            var msg = EchoAuthorizationInErrors ? $"Invalid user key: {authorization}" : "Invalid user key";
            await WriteJson(ctx, 404, Error("auth_error", msg));
            return;
        }

        Func<HttpContext, Task>? answer = null;
        lock (gate)
        {
            if (injected.TryGetValue(route.Value, out var queue) && queue.Count > 0)
            {
                answer = queue.Dequeue();
            }
        }

        if (answer is not null)
        {
            await answer(ctx);
            return;
        }

        JsonObject? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
            }

            if (json is null)
            {
                await WriteJson(ctx, 400, Error("invalid_args", "request body is not a JSON object"));
                return;
            }
        }

        await (route.Value switch
        {
            FakeVastRoute.SearchOffers => SearchAsync(ctx, json),
            FakeVastRoute.CreateInstance => CreateAsync(ctx, id, json),
            FakeVastRoute.GetInstance => GetAsync(ctx, id),
            FakeVastRoute.ListInstancesV1 => ListAsync(ctx),
            FakeVastRoute.ListInstancesV0 => WriteJson(ctx, 410, Error("deprecated_endpoint", "/api/v0/instances/ is deprecated. Use /api/v1/instances/ instead.")),
            FakeVastRoute.DestroyInstance => DestroyAsync(ctx, id),
            FakeVastRoute.UpdateInstance => UpdateAsync(ctx, id, json),
            FakeVastRoute.AttachSshKey => AttachKeyAsync(ctx, id, json),
            FakeVastRoute.CurrentUser => WriteJson(ctx, 200, new JsonObject { ["id"] = 4242, ["email"] = "fake@example.invalid", ["credit"] = 25.5, ["ssh_key"] = null }),
            _ => WriteJson(ctx, 404, Error("fake_unknown_endpoint", "unknown")),
        });
    }

    /// <summary>True when <paramref name="route"/> is paced and was called less than its interval ago; the call counts as the last one otherwise.</summary>
    private bool IsTooSoon(FakeVastRoute route)
    {
        lock (gate)
        {
            if (!Pacing.TryGetValue(route, out var interval) || interval <= TimeSpan.Zero)
            {
                return false;
            }

            var now = options.Time.GetUtcNow();
            if (lastCall.TryGetValue(route, out var last) && now - last < interval)
            {
                return true;
            }

            lastCall[route] = now;
            return false;
        }
    }

    private static JsonObject Error(string error, string msg) => new() { ["success"] = false, ["error"] = error, ["msg"] = msg };

    private static Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }

    private static Task WriteText(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        return ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }
}
