using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>Failures the fake produces on demand, as the real Vast does: 429s, 5xx, hangs, dropped connections, failed creates, broken lists, ignored destroys.</summary>
public sealed partial class FakeVast
{
    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> get a 429 in the given style.</summary>
    public void RateLimit(FakeVastRoute route, int times = 1, FakeRateLimitStyle style = FakeRateLimitStyle.Text)
    {
        var threshold = route == FakeVastRoute.CreateInstance ? "4.5" : "2.0";
        Inject(route, times, ctx => style switch
        {
            FakeRateLimitStyle.Text => WriteText(ctx, 429, $"API requests too frequent: endpoint threshold={threshold}"),
            FakeRateLimitStyle.JsonDetail => WriteJson(ctx, 429, new JsonObject { ["detail"] = $"API requests too frequent endpoint threshold={threshold}" }),
            _ => WriteJson(ctx, 429, Error("rate_limit_exceeded", $"API requests too frequent: endpoint threshold={threshold}")),
        });
    }

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> get <paramref name="status"/> with an HTML body, like a gateway error.</summary>
    public void FailNext(FakeVastRoute route, int status = 503, int times = 1) =>
        Inject(route, times, ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "text/html";
            return ctx.Response.WriteAsync($"<html><body><h1>{status}</h1>upstream trouble</body></html>", stopping.Token);
        });

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> never answer (until the client gives up or the fake stops).</summary>
    public void HangNext(FakeVastRoute route, int times = 1) => Inject(route, times, HangAsync);

    /// <summary>Forgets every injected answer still queued, ignored destroys included (e.g. so the next reap can clean up after a test of a failing destroy).</summary>
    public void ClearFaults()
    {
        lock (gate)
        {
            injected.Clear();
            brokenLists.Clear();
            foreach (var i in instances.Values)
            {
                i.IgnoredDestroys = 0;
            }
        }
    }

    /// <summary>How a GET of a destroyed (or unknown) instance answers; the real API has been seen answering each of these.</summary>
    public FakeGoneAnswer GoneAnswer { get; set; } = FakeGoneAnswer.Null;

    /// <summary>The next <paramref name="times"/> calls to <paramref name="route"/> have their connection dropped without an answer.</summary>
    public void DropConnection(FakeVastRoute route, int times = 1) =>
        Inject(route, times, ctx =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        });

    /// <summary>The next create on <paramref name="offerId"/> fails as described (once).</summary>
    public void FailCreate(long offerId, FakeCreateFailure failure)
    {
        lock (gate)
        {
            if (!createFailures.TryGetValue(offerId, out var queue))
            {
                createFailures[offerId] = queue = new Queue<FakeCreateFailure>();
            }

            queue.Enqueue(failure);
        }
    }

    /// <summary>The next v1 list call(s) break in the given way.</summary>
    public void BreakList(FakeBrokenList how, int times = 1)
    {
        lock (gate)
        {
            for (var i = 0; i < times; i++)
            {
                brokenLists.Enqueue(how);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> destroys of this instance answer success but leave it running and billing, so a
    /// caller that trusts the answer without reading the instance again is caught.
    /// </summary>
    public void IgnoreDestroy(long instanceId, int times = 1)
    {
        lock (gate)
        {
            instances[instanceId].IgnoredDestroys += times;
        }
    }

    /// <summary>Sets an instance's schedule (e.g. to make a running one go offline).</summary>
    public void SetSchedule(long instanceId, FakeInstanceSchedule schedule)
    {
        lock (gate)
        {
            var i = instances[instanceId];
            i.Schedule = schedule;
            i.Polls = 0;
        }
    }

    private void Inject(FakeVastRoute route, int times, Func<HttpContext, Task> answer)
    {
        lock (gate)
        {
            if (!injected.TryGetValue(route, out var queue))
            {
                injected[route] = queue = new Queue<Func<HttpContext, Task>>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(answer);
            }
        }
    }
}
