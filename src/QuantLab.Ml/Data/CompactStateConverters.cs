using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace QuantLab.Ml.Data;

/// <summary>
/// Reads _state.json's partitions so that an entry which is not an object (a writer bug in another symbol's partition) is kept
/// as <see cref="PartitionState.Malformed"/> instead of failing the whole file, and with it every symbol's night.
/// </summary>
internal sealed class PartitionStatesConverter : JsonConverter<IReadOnlyDictionary<string, PartitionState>?>
{
    public override bool HandleNull => true;

    public override IReadOnlyDictionary<string, PartitionState>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("partitions must be an object keyed by exchange/stream/symbol/yyyyMMdd");
        }

        var info = (JsonTypeInfo<PartitionState>)options.GetTypeInfo(typeof(PartitionState));
        var result = new Dictionary<string, PartitionState>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                result[key] = JsonSerializer.Deserialize(ref reader, info)!;
            }
            else
            {
                using var document = JsonDocument.ParseValue(ref reader);
                result[key] = new PartitionState { Malformed = document.RootElement.GetRawText() };
            }
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, PartitionState>? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        var info = (JsonTypeInfo<PartitionState>)options.GetTypeInfo(typeof(PartitionState));
        writer.WriteStartObject();
        foreach (var (key, entry) in value)
        {
            writer.WritePropertyName(key);
            if (entry.Malformed is { } raw)
            {
                writer.WriteRawValue(raw);
            }
            else
            {
                JsonSerializer.Serialize(writer, entry, info);
            }
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Reads _state.json's days: the writer emits an object {status, updated_at} per day; a bare string is taken as the status,
/// and any other value (or a field of another type) gives a day without a verdict rather than an unreadable file.
/// </summary>
internal sealed class DayStatesConverter : JsonConverter<IReadOnlyDictionary<string, DayState>?>
{
    public override bool HandleNull => true;

    public override IReadOnlyDictionary<string, DayState>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            // Informational to every symbol whose day it does not name: ignore rather than fail the night.
            return null;
        }

        var result = new Dictionary<string, DayState>(StringComparer.Ordinal);
        foreach (var day in document.RootElement.EnumerateObject())
        {
            result[day.Name] = day.Value.ValueKind switch
            {
                JsonValueKind.Object => new DayState
                {
                    Status = day.Value.TryGetProperty("status", out var status) ? Text(status) : null,
                    UpdatedAt = day.Value.TryGetProperty("updated_at", out var at) ? Text(at) : null,
                },
                _ => new DayState { Status = Text(day.Value) },
            };
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, DayState>? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        foreach (var (key, day) in value)
        {
            writer.WriteStartObject(key);
            writer.WriteString("status", day.Status);
            writer.WriteString("updated_at", day.UpdatedAt);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
