using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>
/// Reads Vast's answers: JSON objects and their error fields, auth failures (Vast answers a bad key with 404), "no such
/// instance", and the one masked, bounded line an answer becomes when it is a failure.
/// </summary>
internal sealed class VastResponses(VastOptions options, Secret? apiKey)
{
    private const int MaxMessageLength = 300;

    // Only a JSON object that does not say success:false counts: an empty 200 from a proxy must not read as "destroyed".
    public static bool IsSuccess(VastHttpResponse r) =>
        r.StatusCode == 200 && TryParseObject(r.Body) is { } root && root["success"]?.GetValueKind() != JsonValueKind.False;

    public static bool IsAuthFailure(VastHttpResponse r)
    {
        if (r.StatusCode is 401 or 403)
        {
            return true;
        }

        if (r.StatusCode != 404)
        {
            return false;
        }

        // Vast answers a bad key with 404 auth_error, not 401: telling it apart from "not found" matters for destroy.
        var (error, msg) = ErrorFields(TryParseObject(r.Body), r);
        return string.Equals(error, "auth_error", StringComparison.OrdinalIgnoreCase)
            || msg?.Contains("invalid user key", StringComparison.OrdinalIgnoreCase) == true;
    }

    public static bool IsNoSuchInstance(VastHttpResponse r)
    {
        var (error, msg) = ErrorFields(TryParseObject(r.Body), r);
        var text = $"{error} {msg}";
        return text.Contains("no_such_instance", StringComparison.OrdinalIgnoreCase)
            || text.Contains("not_found", StringComparison.OrdinalIgnoreCase);
    }

    public VastApiException Failure(VastCall call, VastHttpResponse r, string? note = null)
    {
        var root = TryParseObject(r.Body);
        var (error, msg) = ErrorFields(root, r);
        var detail = string.Join(": ", new[] { error, msg }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (IsAuthFailure(r))
        {
            return new VastAuthException(Clean($"the Vast API key was rejected ({call}: HTTP {r.StatusCode} {detail})"))
            {
                StatusCode = r.StatusCode,
                ErrorCode = error,
            };
        }

        var text = r.StatusCode == 429
            ? $"Vast {call} is still rate limited (HTTP 429) after {options.Backoff.MaxRetries} retries: {detail}"
            : $"Vast {call} failed: HTTP {r.StatusCode} {detail}";
        if (note is not null)
        {
            text += $" ({note})";
        }

        return new VastApiException(Clean(text))
        {
            StatusCode = r.StatusCode,
            ErrorCode = error,
            IsTransient = VastResilience.IsTransientStatus(r.StatusCode),
        };
    }

    public static (string? Error, string? Msg) ErrorFields(JsonObject? root, VastHttpResponse r)
    {
        if (root is null)
        {
            return (null, r.Body);
        }

        static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString();
        return (Text(root["error"]), Text(root["msg"]) ?? Text(root["detail"]) ?? Text(root["message"]));
    }

    public static JsonObject? TryParseObject(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public JsonObject ParseObject(VastCall call, VastHttpResponse r) =>
        TryParseObject(r.Body) ?? throw new VastApiException(Clean($"Vast {call} answered {(string.IsNullOrWhiteSpace(r.Body) ? "an empty body" : "something that is not a JSON object")}"))
        {
            StatusCode = r.StatusCode,
        };

    public T Deserialize<T>(VastCall call, JsonNode node)
    {
        try
        {
            return node.Deserialize(Json.TypeInfo<T>(VastJson.Options)) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new VastApiException(Clean($"Vast {call} answered JSON we cannot read: {ex.Message}"), ex);
        }
    }

    /// <summary>One line, masked, bounded: what may go into an exception or a log.</summary>
    public string Clean(string text)
    {
        var masked = apiKey?.Mask(text) ?? text;
        var sb = new StringBuilder(Math.Min(masked.Length, MaxMessageLength + 1));
        var lastSpace = false;
        foreach (var c in masked)
        {
            var space = char.IsWhiteSpace(c) || char.IsControl(c);
            if (space && lastSpace)
            {
                continue;
            }

            sb.Append(space ? ' ' : c);
            lastSpace = space;
            if (sb.Length >= MaxMessageLength)
            {
                sb.Append('…');
                break;
            }
        }

        return sb.ToString().Trim();
    }
}
