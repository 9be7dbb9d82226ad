using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Data;

/// <summary>
/// Reads a count that the writer may give as a number, a numeric string, or a list (its length); anything else is null.
/// For informational counts only: integrity fields (meta.json's rows) stay strictly typed.
/// </summary>
internal sealed class LenientCountConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var n) ? n : null;
            case JsonTokenType.String:
                return long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            case JsonTokenType.StartArray:
            case JsonTokenType.StartObject:
                using (var document = JsonDocument.ParseValue(ref reader))
                {
                    return document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : null;
                }

            default:
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } n)
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
