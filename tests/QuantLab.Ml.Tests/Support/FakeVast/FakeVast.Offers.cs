using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>The offer search of the fake (POST /api/v0/bundles/) and the offers it answers.</summary>
public sealed partial class FakeVast
{
    private static readonly HashSet<string> QueryKeywords = ["order", "limit", "type", "allocated_storage"];

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
}
