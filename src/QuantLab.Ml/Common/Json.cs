using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace QuantLab.Ml.Common;

/// <summary>
/// The one JSON convention of the project's files and outputs: snake_case, enums as snake_case strings, numbers that may
/// be NaN. Types are resolved through source-generated contexts only, never by reflection (the CLI ships Native AOT):
/// each folder declares the types it writes or reads in its own context (for example <c>StorageJson</c>), so this file
/// depends on no folder; a call names the type's metadata (<c>StorageJson.Indented.RunSummary</c>), which the compiler checks.
/// </summary>
public static class Json
{
    /// <summary>The conventions, not yet bound to a context (a context's constructor binds and freezes them).</summary>
    public static JsonSerializerOptions Conventions(bool indented = true) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = indented,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The conventions over a resolver (a context, or several combined), frozen.</summary>
    public static JsonSerializerOptions Create(IJsonTypeInfoResolver resolver, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var options = Conventions(indented);
        options.TypeInfoResolver = resolver;
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The generated metadata of <typeparamref name="T"/> under <paramref name="options"/>; throws NotSupportedException when the type is not in its context.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    public static string Serialize<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.Serialize(value, info);

    /// <summary>Through options over a context (the CLI's --json shapes); a type missing from it throws NotSupportedException.</summary>
    public static string Serialize<T>(T value, JsonSerializerOptions options) => Serialize(value, TypeInfo<T>(options));

    /// <summary>An enum value as it is written ("not_ready"), for log lines and summaries.</summary>
    public static string Name<T>(T value, JsonTypeInfo<T> info)
        where T : struct, Enum => Serialize(value, info).Trim('"');

    public static T Deserialize<T>(string json, JsonTypeInfo<T> info, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, info) ?? throw new QuantLabException($"{what} is empty (null JSON)");
        }
        catch (JsonException ex)
        {
            throw new QuantLabException($"{what} is not valid JSON: {ex.Message}", ex);
        }
    }

    public static async Task WriteFileAsync<T>(string path, T value, JsonTypeInfo<T> info, CancellationToken ct)
    {
        var tmp = path + ".tmp";
        await File.WriteAllTextAsync(tmp, Serialize(value, info) + "\n", ct).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
    }

    public static async Task<T> ReadFileAsync<T>(string path, JsonTypeInfo<T> info, CancellationToken ct)
    {
        var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        return Deserialize(text, info, path);
    }
}

/// <summary>
/// Writes an enum as its snake_case name ("not_ready"); put on the enum as <c>[JsonConverter(typeof(SnakeCaseNames&lt;T&gt;))]</c>
/// so every context writes it the same way. Generic, so it needs no run-time code generation.
/// </summary>
public sealed class SnakeCaseNames<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower)
    where T : struct, Enum;
