using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QuantLab.Ml.Tests.Support;

/// <summary>
/// A loopback proxy in front of the S3 test server (fauxqs) that adds what fauxqs lacks and real S3 has: PUT honours
/// <c>If-None-Match: *</c> and <c>If-Match: "etag"</c> (412 PreconditionFailed otherwise, checked and written under one
/// lock, as S3 does atomically), and a PUT can be made to fail with a 5xx, as S3 does on a bad day. Everything else is
/// passed through unchanged.
/// </summary>
internal sealed class ConditionalS3Proxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "If-Match", "If-None-Match",
    };

    private readonly WebApplication app;
    private readonly string upstream;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly SemaphoreSlim conditional = new(1, 1);
    private readonly Lock gate = new();
    private readonly List<(string PathContains, int Status)> faults = [];

    private ConditionalS3Proxy(WebApplication app, string upstream)
    {
        this.app = app;
        this.upstream = upstream.TrimEnd('/');
    }

    /// <summary>e.g. http://127.0.0.1:41234, to use as S3:ServiceUrl.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>Status codes of the PUTs answered, with their paths, in order.</summary>
    public List<(string Path, int Status)> Puts { get; } = [];

    public static async Task<ConditionalS3Proxy> StartAsync(string upstreamUrl, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new ConditionalS3Proxy(app, upstreamUrl);
        app.Run(proxy.HandleAsync);
        await app.StartAsync(ct);
        proxy.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return proxy;
    }

    /// <summary>The next <paramref name="times"/> PUTs whose path contains <paramref name="pathContains"/> answer <paramref name="status"/> (more than the SDK's retries: the write fails).</summary>
    public void FailPuts(string pathContains, int status = 500, int times = 10)
    {
        lock (gate)
        {
            for (var i = 0; i < times; i++)
            {
                faults.Add((pathContains, status));
            }
        }
    }

    public void ClearFaults()
    {
        lock (gate)
        {
            faults.Clear();
        }
    }

    private int? TakeFault(string path)
    {
        lock (gate)
        {
            var i = faults.FindIndex(f => path.Contains(f.PathContains, StringComparison.Ordinal));
            if (i < 0)
            {
                return null;
            }

            var status = faults[i].Status;
            faults.RemoveAt(i);
            return status;
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var req = ctx.Request;
        using var buffer = new MemoryStream();
        await req.Body.CopyToAsync(buffer, ctx.RequestAborted);
        var body = buffer.ToArray();
        var path = req.Path.Value ?? "/";
        if (!HttpMethods.IsPut(req.Method))
        {
            await ForwardAsync(ctx, body, ctx.RequestAborted);
            return;
        }

        if (TakeFault(path) is { } failure)
        {
            await AnswerErrorAsync(ctx, path, failure, "InternalError", "We encountered an internal error. Please try again.");
            return;
        }

        var ifNoneMatch = req.Headers.IfNoneMatch.ToString();
        var ifMatch = req.Headers.IfMatch.ToString();
        if (ifNoneMatch.Length == 0 && ifMatch.Length == 0)
        {
            await ForwardAsync(ctx, body, ctx.RequestAborted);
            lock (gate)
            {
                Puts.Add((path, ctx.Response.StatusCode));
            }

            return;
        }

        await conditional.WaitAsync(ctx.RequestAborted);
        try
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, upstream + path), ctx.RequestAborted);
            var current = head.IsSuccessStatusCode ? head.Headers.ETag?.ToString() : null;
            var refused = (ifNoneMatch == "*" && current is not null) || (ifMatch.Length > 0 && !string.Equals(ifMatch, current, StringComparison.Ordinal));
            if (refused)
            {
                await AnswerErrorAsync(ctx, path, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
                return;
            }

            await ForwardAsync(ctx, body, ctx.RequestAborted);
            lock (gate)
            {
                Puts.Add((path, ctx.Response.StatusCode));
            }
        }
        finally
        {
            conditional.Release();
        }
    }

    private async Task AnswerErrorAsync(HttpContext ctx, string path, int status, string code, string message)
    {
        lock (gate)
        {
            Puts.Add((path, status));
        }

        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/xml";
        await ctx.Response.WriteAsync(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>proxy</RequestId></Error>", ctx.RequestAborted);
    }

    private async Task ForwardAsync(HttpContext ctx, byte[] body, CancellationToken ct)
    {
        var req = ctx.Request;
        using var message = new HttpRequestMessage(new HttpMethod(req.Method), upstream + req.Path + req.QueryString);
        if (body.Length > 0 || HttpMethods.IsPut(req.Method) || HttpMethods.IsPost(req.Method))
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var (name, values) in req.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await http.SendAsync(message, ct);
        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.Headers[name] = values.ToArray();
            }
        }

        var answer = await response.Content.ReadAsByteArrayAsync(ct);
        if (answer.Length > 0 && !HttpMethods.IsHead(req.Method))
        {
            await ctx.Response.Body.WriteAsync(answer, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        http.Dispose();
        conditional.Dispose();
    }
}
