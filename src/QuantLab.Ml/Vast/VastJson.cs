using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>How we read Vast's JSON: the project's snake_case, but lenient about numbers and booleans sent as strings.</summary>
internal static class VastJson
{
    /// <summary>Vast's types under the lenient options (the context binds and freezes them).</summary>
    public static VastJsonContext Lenient { get; } = new(CreateOptions());

    public static JsonSerializerOptions Options => Lenient.Options;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = Json.Conventions(indented: false);
        options.NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.Converters.Add(new LenientBoolConverter());
        return options;
    }

    /// <summary>Vast's fields are loosely typed across versions (0/1, "true"); one odd offer must not fail a whole search.</summary>
    private sealed class LenientBoolConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Number => reader.GetDouble() != 0,
            JsonTokenType.String => reader.GetString() is "true" or "True" or "1",
            _ => throw new JsonException($"expected a boolean, got {reader.TokenType}"),
        };

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}

/// <summary>Reads a JSON string or number as a string: Vast sends HostPort as a string, its OpenAPI says int.</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"expected a string or number, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
