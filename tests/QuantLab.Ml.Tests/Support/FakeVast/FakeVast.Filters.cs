using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>How the fake matches the filters and sort orders of a search or a list, the way Vast compares JSON values.</summary>
public sealed partial class FakeVast
{
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
