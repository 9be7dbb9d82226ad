using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>Renting on the fake (PUT /api/v0/asks/{id}/): every create outcome docs/vast-api.md describes, traps included.</summary>
public sealed partial class FakeVast
{
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
}
