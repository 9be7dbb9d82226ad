using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>The instance endpoints of the fake (get, list, destroy, update) and the instance JSON they answer, following docs/vast-api.md §2.</summary>
public sealed partial class FakeVast
{
    // Vast refuses filters on computed columns of the v1 list.
    private static readonly HashSet<string> ListFilterColumns = ["id", "label", "actual_status", "gpu_name", "verification"];

    private async Task HangAsync(HttpContext ctx)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping.Token);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, both.Token);
        }
        catch (OperationCanceledException)
        {
            ctx.Abort();
        }
    }

    private Task GetAsync(HttpContext ctx, long id)
    {
        JsonObject? row = null;
        lock (gate)
        {
            if (instances.TryGetValue(id, out var i) && !i.Destroyed)
            {
                i.Polls++;
                row = InstanceJson(i);
            }
        }

        return row is not null ? WriteJson(ctx, 200, new JsonObject { ["instances"] = row }) : GoneAnswer switch
        {
            FakeGoneAnswer.EmptyObject => WriteJson(ctx, 200, new JsonObject { ["instances"] = new JsonObject() }),
            FakeGoneAnswer.NotFound => WriteJson(ctx, 404, Error("no_such_instance", $"Instance {id} not found.")),
            _ => WriteJson(ctx, 200, new JsonObject { ["instances"] = null }),
        };
    }

    private Task ListAsync(HttpContext ctx)
    {
        FakeBrokenList? broken = null;
        lock (gate)
        {
            if (brokenLists.Count > 0)
            {
                broken = brokenLists.Dequeue();
            }
        }

        switch (broken)
        {
            case FakeBrokenList.EmptyBody:
                ctx.Response.StatusCode = 200;
                return Task.CompletedTask;
            case FakeBrokenList.ErrorObject:
                return WriteJson(ctx, 200, Error("server_error", "something went wrong"));
            case FakeBrokenList.Gone410:
                return WriteJson(ctx, 410, Error("deprecated_endpoint", "/api/v1/instances/ is deprecated."));
            case FakeBrokenList.NotAList:
                return WriteJson(ctx, 200, new JsonObject { ["success"] = true, ["instances"] = "" });
        }

        var query = ctx.Request.Query;
        var limit = PageSize;
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
            {
                return WriteJson(ctx, 400, Error("invalid_args", "limit must be a JSON integer"));
            }

            limit = limit <= 0 ? 5 : Math.Min(Math.Min(limit, MaxPage), PageSize);
        }

        long after = 0;
        if (query.TryGetValue("after_token", out var token))
        {
            var t = token.ToString();
            if (!t.StartsWith("tok-", StringComparison.Ordinal) || !long.TryParse(t[4..], NumberStyles.None, CultureInfo.InvariantCulture, out after))
            {
                return WriteJson(ctx, 400, Error("invalid_token", "after_token is not valid"));
            }
        }

        JsonObject filters = [];
        if (query.TryGetValue("select_filters", out var filterText))
        {
            try
            {
                filters = JsonNode.Parse(filterText.ToString()) as JsonObject ?? throw new JsonException("not an object");
            }
            catch (JsonException)
            {
                return WriteJson(ctx, 400, Error("invalid_args", "select_filters must be a JSON object"));
            }

            var bad = filters.Select(f => f.Key).FirstOrDefault(k => !ListFilterColumns.Contains(k));
            if (bad is not null)
            {
                return WriteJson(ctx, 400, Error("invalid_args", $"cannot filter on computed column {bad}"));
            }
        }

        List<JsonObject> all;
        lock (gate)
        {
            var visible = instances.Values.Where(i => !i.Destroyed && i.HiddenFromLists == 0).ToList();
            foreach (var hidden in instances.Values.Where(i => i.HiddenFromLists > 0))
            {
                hidden.HiddenFromLists--;
            }

            all = visible.Select(InstanceJson).ToList();
        }

        foreach (var (field, ops) in filters)
        {
            if (ops is not JsonObject opObject)
            {
                return WriteJson(ctx, 400, Error("invalid_args", $"filter {field} must be an object of operators"));
            }

            foreach (var (op, value) in opObject)
            {
                all = all.Where(r => Matches(r, field, op, value)).ToList();
            }
        }

        var page = all.Where(r => r["id"]!.GetValue<long>() > after).Take(limit).ToList();
        var more = all.Count(r => r["id"]!.GetValue<long>() > after) > page.Count;
        var labelCounts = new JsonObject();
        foreach (var g in all.GroupBy(r => r["label"]?.GetValue<string>() ?? string.Empty))
        {
            labelCounts[g.Key] = g.Count();
        }

        return WriteJson(ctx, 200, new JsonObject
        {
            ["success"] = true,
            ["instances_found"] = all.Count,
            ["total_instances"] = all.Count,
            ["label_counts"] = labelCounts,
            ["next_token"] = more ? $"tok-{page[^1]["id"]!.GetValue<long>()}" : null,
            ["instances"] = new JsonArray(page.Select(r => (JsonNode?)r).ToArray()),
        });
    }

    private Task DestroyAsync(HttpContext ctx, long id)
    {
        lock (gate)
        {
            if (!instances.TryGetValue(id, out var i) || i.Destroyed)
            {
                return WriteJson(ctx, 404, Error("no_such_instance", $"Instance {id} not found."));
            }

            if (i.IgnoredDestroys > 0)
            {
                i.IgnoredDestroys--;
                return WriteJson(ctx, 200, new JsonObject { ["success"] = true });
            }

            i.Destroyed = true;
        }

        return WriteJson(ctx, 200, new JsonObject { ["success"] = true });
    }

    private Task UpdateAsync(HttpContext ctx, long id, JsonObject? body)
    {
        lock (gate)
        {
            if (!instances.TryGetValue(id, out var i) || i.Destroyed)
            {
                return WriteJson(ctx, 404, Error("no_such_instance", $"Instance {id} not found."));
            }

            if (body?["label"] is JsonValue lv && lv.TryGetValue<string>(out var label))
            {
                if (label.Length > 1024)
                {
                    return WriteJson(ctx, 400, Error("label_too_long", "label too long"));
                }

                i.Label = label;
                return WriteJson(ctx, 200, new JsonObject { ["success"] = true, ["msg"] = $"label for {id} set to '{label}'" });
            }

            if (body?["state"] is JsonValue sv && sv.TryGetValue<string>(out var state) && state is "stopped" or "running")
            {
                i.Stopped = state == "stopped";
                return WriteJson(ctx, 200, new JsonObject { ["success"] = true });
            }
        }

        return WriteJson(ctx, 400, Error("invalid_args", "expected label or state"));
    }

    private JsonObject InstanceJson(InstanceState i)
    {
        var step = i.Current;
        var running = step.Status == "running";
        var (host, port) = SshEndpointFor?.Invoke(i.Id) ?? SshEndpoint;
        var ports = running && SshMode == FakeSshMode.Direct
            ? new JsonObject { ["22/tcp"] = new JsonArray(new JsonObject { ["HostIp"] = "0.0.0.0", ["HostPort"] = port.ToString(CultureInfo.InvariantCulture) }) }
            : null;
        var env = new JsonArray(i.Env.Select(kv => (JsonNode?)new JsonArray(kv.Key, kv.Value)).ToArray());
        var intended = i.Stopped ? "stopped" : "running";
        return new JsonObject
        {
            ["id"] = i.Id,
            ["actual_status"] = step.Status,
            ["intended_status"] = intended,
            ["cur_state"] = i.Stopped ? "stopped" : running ? "running" : "stopped",
            ["next_state"] = intended,
            ["status_msg"] = step.StatusMsg,
            ["label"] = i.Label,
            ["start_date"] = i.Started.ToUnixTimeMilliseconds() / 1000.0,
            ["end_date"] = null,
            ["ssh_host"] = host,
            ["ssh_port"] = port,
            ["public_ipaddr"] = host + "\n",
            ["ports"] = ports,
            ["direct_port_start"] = port,
            ["direct_port_end"] = port,
            ["local_ipaddrs"] = "127.0.0.1 ",
            ["image_uuid"] = i.Image,
            ["image_runtype"] = "ssh ssh_direc ssh_proxy",
            ["extra_env"] = env,
            ["onstart"] = i.Onstart,
            ["machine_id"] = i.MachineId,
            ["host_id"] = 300 + (i.MachineId % 97),
            ["num_gpus"] = i.Offer.NumGpus,
            ["gpu_name"] = i.Offer.GpuName,
            ["gpu_ram"] = i.Offer.GpuRamMb,
            ["gpu_util"] = running ? 0.0 : null,
            ["disk_space"] = i.DiskGb,
            ["disk_usage"] = -1,
            ["cuda_max_good"] = i.Offer.CudaMaxGood,
            ["geolocation"] = i.Offer.Geolocation,
            ["reliability2"] = i.Offer.Reliability2,
            ["dph_base"] = i.Offer.DphBase,
            ["dph_total"] = i.Offer.DphBase + (i.Offer.StorageCost * i.DiskGb / 720.0),
            ["storage_cost"] = i.Offer.StorageCost,
            ["is_bid"] = false,
            ["verification"] = "verified",
        };
    }
}
