using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>
/// What a create's answer means for the money: created, failed but left a contract that bills, rate limited, offer
/// gone, rejected, or ambiguous (it may have rented: find it by its label before trying again).
/// </summary>
internal static class VastCreateClassifier
{
    public static CreateInstanceResult Classify(VastResponses responses, VastCall call, VastHttpResponse r)
    {
        var root = VastResponses.TryParseObject(r.Body);
        var success = root?["success"]?.GetValueKind() == JsonValueKind.True;
        var contract = ReadId(root?["new_contract"]);
        var (error, msg) = VastResponses.ErrorFields(root, r);
        var message = responses.Clean(string.Join(": ", new[] { error, msg }.Where(s => !string.IsNullOrWhiteSpace(s))));
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

        if (VastResponses.IsAuthFailure(r) && !(r.StatusCode == 403 && message.Contains("not your own", StringComparison.OrdinalIgnoreCase)))
        {
            throw responses.Failure(call, r);
        }

        if (r.StatusCode == 429)
        {
            return new CreateInstanceResult.RateLimited { Message = message };
        }

        if (r.StatusCode >= 500 || (r.StatusCode == 200 && (root is null || success)))
        {
            var why = r.StatusCode == 200 ? "success without an instance id" : $"HTTP {r.StatusCode}";
            return new CreateInstanceResult.Ambiguous { Message = responses.Clean($"{why}: {message}") };
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
}
