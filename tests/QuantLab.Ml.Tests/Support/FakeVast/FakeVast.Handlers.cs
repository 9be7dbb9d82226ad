using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>The endpoint handlers of the fake, one per route, following docs/vast-api.md §2.</summary>
public sealed partial class FakeVast
{
    private static readonly HashSet<string> QueryKeywords = ["order", "limit", "type", "allocated_storage"];

    // Vast refuses filters on computed columns of the v1 list.
    private static readonly HashSet<string> ListFilterColumns = ["id", "label", "actual_status", "gpu_name", "verification"];

    private Task SearchAsync(HttpContext ctx, JsonObject? q)
    {
        q ??= [];
        if (q.ContainsKey("q") || q.ContainsKey("select_cols"))
        {
            return WriteJson(ctx, 400, Error("invalid_args", "fake: /bundles/ takes the query object itself, not {q: ...}"));
        }

        var storage = q["allocated_storage"] is JsonValue s && s.TryGetValue<double>(out var gb) ? gb : 8.0;
        List<JsonObject> rows;
        lock (gate)
        {
            rows = offers.Values.Select(o => OfferJson(o, storage)).ToList();
        }

        foreach (var (field, ops) in q)
        {
            if (QueryKeywords.Contains(field))
            {
                continue;
            }

            if (ops is not JsonObject opObject)
            {
                return WriteJson(ctx, 400, Error("invalid_args", $"filter {field} must be an object of operators"));
            }

            foreach (var (op, value) in opObject)
            {
                if (op is not ("eq" or "neq" or "gt" or "gte" or "lt" or "lte" or "in" or "notin"))
                {
                    return WriteJson(ctx, 400, Error("invalid_args", $"unknown operator {op}"));
                }

                rows = rows.Where(r => Matches(r, field, op, value)).ToList();
            }
        }

        IEnumerable<JsonObject> ordered = rows.OrderBy(r => 0);
        if (q["order"] is JsonArray order)
        {
            foreach (var key in order.OfType<JsonArray>())
            {
                var field = key[0]?.GetValue<string>() ?? "id";
                var desc = key.Count > 1 && key[1]?.GetValue<string>() == "desc";
                var sorted = (IOrderedEnumerable<JsonObject>)ordered;
                ordered = desc ? sorted.ThenByDescending(r => SortKey(r[field])) : sorted.ThenBy(r => SortKey(r[field]));
            }
        }

        var limit = q["limit"] is JsonValue l && l.TryGetValue<int>(out var n) ? n : 64;
        var result = new JsonArray(ordered.Take(limit).Select(r => (JsonNode?)r).ToArray());
        return WriteJson(ctx, 200, new JsonObject { ["offers"] = result });
    }

    private async Task CreateAsync(HttpContext ctx, long offerId, JsonObject? body)
    {
        if (body is null)
        {
            await WriteJson(ctx, 400, Error("invalid_args", "missing body"));
            return;
        }

        var image = body["image"] is JsonValue iv && iv.TryGetValue<string>(out var im) ? im : null;
        var disk = body["disk"] is JsonValue dv && dv.TryGetValue<double>(out var d) ? d : 10.0;
        if (string.IsNullOrEmpty(image) || disk < 8)
        {
            await WriteJson(ctx, 400, Error("invalid_args", "image is required and disk must be at least 8"));
            return;
        }

        if (body["env"] is { } env && env is not JsonObject)
        {
            await WriteJson(ctx, 400, Error("invalid_args", "env must be a dict (the '-e' string form is not accepted by this fake)"));
            return;
        }

        if (body["price"] is JsonValue pv && (!pv.TryGetValue<double>(out var price) || price < 0.001 || price > 128))
        {
            await WriteJson(ctx, 400, Error("invalid_price", "price must be 0.001..128"));
            return;
        }

        var label = body["label"] is JsonValue lv && lv.TryGetValue<string>(out var lb) ? lb : null;
        if (label?.Length > 256)
        {
            await WriteJson(ctx, 400, Error("label_too_long", "label too long"));
            return;
        }

        var cancelUnavail = body["cancel_unavail"] is JsonValue cv && cv.GetValueKind() == JsonValueKind.True;
        FakeCreateFailure? failure = null;
        OfferState? offer;
        lock (gate)
        {
            offers.TryGetValue(offerId, out offer);
            if (createFailures.TryGetValue(offerId, out var queue) && queue.Count > 0)
            {
                failure = queue.Dequeue();
            }
        }

        if (failure is FakeCreateFailure.OfferGone404 || (failure is null && offer is { Rented: true } && !cancelUnavail) || offer is null)
        {
            await WriteJson(ctx, 404, new JsonObject
            {
                ["success"] = false,
                ["error"] = "invalid_args",
                ["msg"] = $"error 404/3603: no_such_ask  Instance type by id {offerId} is not available.",
                ["ask_id"] = offerId,
            });
            return;
        }

        if (failure is FakeCreateFailure.OfferGone410 || (failure is null && offer.Rented))
        {
            await WriteJson(ctx, 410, new JsonObject
            {
                ["success"] = false,
                ["error"] = "no_such_ask",
                ["msg"] = $"error 410/3907: Instance type by id {offerId} is no longer available.",
                ["ask_id"] = offerId,
            });
            return;
        }

        switch (failure)
        {
            case FakeCreateFailure.InsufficientCredit:
                await WriteJson(ctx, 400, Error("insufficient_credit", "Insufficient credits: add funds to rent this machine"));
                return;
            case FakeCreateFailure.ServerErrorBeforeCreate:
                await WriteText(ctx, 503, "Service Unavailable");
                return;
            case FakeCreateFailure.HangBeforeCreate:
                await HangAsync(ctx);
                return;
        }

        if (CreateDelay > TimeSpan.Zero)
        {
            // A slow create: the machine exists only once the answer goes out, as when Vast takes its time to place it.
            // Not cancelled when the client gives up: Vast finishes a create it has begun, whoever is still listening.
            await Task.Delay(CreateDelay, options.Time, stopping.Token);
        }

        var instance = Rent(offer, body, label, image, disk, stopped: failure is FakeCreateFailure.FailedWithContract);
        switch (failure)
        {
            case FakeCreateFailure.FailedWithContract:
                await WriteJson(ctx, 200, new JsonObject
                {
                    ["success"] = false,
                    ["error"] = "invalid_price",
                    ["msg"] = "Your bid is below the current minimum; the instance was created stopped.",
                    ["new_contract"] = instance.Id,
                });
                return;
            case FakeCreateFailure.ServerErrorAfterCreate:
                await WriteText(ctx, 502, "Bad Gateway");
                return;
            case FakeCreateFailure.ServerErrorAfterLateCreate:
                lock (gate)
                {
                    instance.HiddenFromLists = 1;
                }

                await WriteText(ctx, 502, "Bad Gateway");
                return;
            case FakeCreateFailure.HangAfterCreate:
                await HangAsync(ctx);
                return;
        }

        await WriteJson(ctx, 200, new JsonObject
        {
            ["success"] = true,
            ["new_contract"] = instance.Id,
            ["instance_api_key"] = InstanceKey(instance.Id),
        });
    }

    private InstanceState Rent(OfferState offer, JsonObject body, string? label, string image, double disk, bool stopped)
    {
        lock (gate)
        {
            offer.Rented = true;
            var instance = new InstanceState(nextInstanceId++, offer.Id, offer.Offer, options.Time.GetUtcNow())
            {
                Schedule = offer.Offer.Schedule ?? DefaultSchedule,
                Label = label,
                Image = image,
                DiskGb = disk,
                Onstart = body["onstart"] is JsonValue o && o.TryGetValue<string>(out var os) ? os : null,
                Runtype = body["runtype"] is JsonValue r && r.TryGetValue<string>(out var rs) ? rs : null,
                Stopped = stopped,
                MachineId = offer.MachineId,
            };
            if (body["env"] is JsonObject env)
            {
                foreach (var (k, v) in env)
                {
                    instance.Env[k] = v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? string.Empty;
                }
            }

            instances[instance.Id] = instance;
            return instance;
        }
    }

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

    private Task AttachKeyAsync(HttpContext ctx, long id, JsonObject? body)
    {
        var key = body?["ssh_key"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        lock (gate)
        {
            if (!instances.TryGetValue(id, out var i) || i.Destroyed)
            {
                return WriteJson(ctx, 404, Error("no_such_instance", $"Instance {id} not found."));
            }

            if (string.IsNullOrWhiteSpace(key))
            {
                return WriteJson(ctx, 400, Error("no_ssh_key", "ssh_key is required"));
            }

            if (RefuseNextKeys > 0)
            {
                RefuseNextKeys--;
                return WriteJson(ctx, 400, Error("invalid_state", $"instance {id} is not ready for ssh keys yet"));
            }

            if (RefuseKeysUntilRunning && i.Current.Status != "running")
            {
                return WriteJson(ctx, 400, Error("invalid_state", $"instance {id} is {i.Current.Status ?? "not started"}; ssh keys can be added once it is running"));
            }

            i.SshKeys.Add(key);
            if (AuthorizedKeysFile is { } file)
            {
                // What Vast does on the box: the key is authorized for root, here on the loopback sshd.
                File.AppendAllText(file, key.Trim() + "\n");
            }
        }

        return WriteJson(ctx, 200, new JsonObject { ["success"] = true, ["msg"] = "ssh key added to instance" });
    }

    private static JsonObject OfferJson(OfferState o, double storageGb)
    {
        var f = o.Offer;
        var storageTotal = f.StorageCost * storageGb / 720.0;
        return new JsonObject
        {
            ["id"] = o.Id,
            ["ask_contract_id"] = o.Id,
            ["bundle_id"] = o.Id + 500_000,
            ["machine_id"] = o.MachineId,
            ["host_id"] = 300 + (o.MachineId % 97),
            ["num_gpus"] = f.NumGpus,
            ["gpu_name"] = f.GpuName,
            ["gpu_ram"] = f.GpuRamMb,
            ["gpu_total_ram"] = f.GpuRamMb * f.NumGpus,
            ["gpu_arch"] = "nvidia",
            ["compute_cap"] = f.ComputeCap,
            ["cuda_max_good"] = f.CudaMaxGood,
            ["driver_version"] = "560.35.03",
            ["cpu_cores"] = 32,
            ["cpu_cores_effective"] = 8.0,
            ["cpu_ram"] = 128_000,
            ["disk_space"] = f.DiskSpace,
            ["inet_down"] = f.InetDown,
            ["inet_up"] = f.InetUp,
            ["inet_down_cost"] = 0.002,
            ["inet_up_cost"] = 0.002,
            ["direct_port_count"] = f.DirectPortCount,
            ["dph_base"] = f.DphBase,
            ["dph_total"] = f.DphBase + storageTotal,
            ["storage_cost"] = f.StorageCost,
            ["storage_total_cost"] = storageTotal,
            ["min_bid"] = Math.Round(f.DphBase * 0.6, 4),
            ["reliability"] = f.Reliability,
            ["reliability2"] = f.Reliability2,
            ["score"] = f.Reliability2 * 100 / (f.DphBase + 0.01),
            ["dlperf"] = 80.5,
            ["geolocation"] = f.Geolocation,
            ["verified"] = f.Verified,
            ["verification"] = f.Verified ? "verified" : "unverified",
            ["rentable"] = !o.Rented,
            ["rented"] = o.Rented,
            ["is_bid"] = false,
            ["external"] = f.External,
            ["hosting_type"] = f.HostingType,
            ["static_ip"] = true,
            ["public_ipaddr"] = "127.0.0.1",
        };
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

    private static bool Matches(JsonObject row, string field, string op, JsonNode? expected)
    {
        JsonNode? actual;
        if (field == "datacenter")
        {
            actual = row["hosting_type"]?.GetValue<int>() == 1;
        }
        else if (field == "geolocation")
        {
            // Vast matches 2-letter country codes against the end of "City, CC".
            var geo = row["geolocation"]?.GetValue<string>() ?? string.Empty;
            actual = geo.Length >= 2 ? geo[^2..] : geo;
        }
        else if (!row.TryGetPropertyValue(field, out actual))
        {
            return true;
        }

        return op switch
        {
            "eq" => Same(actual, expected),
            "neq" => !Same(actual, expected),
            "gt" => Compare(actual, expected) is > 0,
            "gte" => Compare(actual, expected) is >= 0,
            "lt" => Compare(actual, expected) is < 0,
            "lte" => Compare(actual, expected) is <= 0,
            "in" => expected is JsonArray a && a.Any(e => Same(actual, e)),
            "notin" => expected is not JsonArray b || !b.Any(e => Same(actual, e)),
            _ => false,
        };
    }

    private static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (Number(a) is { } x && Number(b) is { } y)
        {
            return Math.Abs(x - y) < 1e-9;
        }

        return a.GetValueKind() == b.GetValueKind() && a.ToJsonString() == b.ToJsonString();
    }

    private static int? Compare(JsonNode? a, JsonNode? b) =>
        Number(a) is { } x && Number(b) is { } y ? x.CompareTo(y) : null;

    // Nodes built in C# hold int/long/double as such, so read numbers through their JSON text.
    private static double? Number(JsonNode? n) =>
        n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : null;

    private static IComparable SortKey(JsonNode? n) =>
        Number(n) is { } d ? d : n?.ToJsonString() ?? string.Empty;
}
