using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Tests.Support;

/// <summary>
/// Every JSON context of the library at once, for tests that write or read library types directly (a lock planted in a
/// store, a job spec for the trainer); the library itself names each type's metadata in its own folder's context.
/// </summary>
internal static class AllJson
{
    /// <summary>The library's source-generated contexts, one per folder.</summary>
    public static IReadOnlyList<Type> Contexts { get; } = typeof(Json).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(JsonSerializerContext)) && !t.IsAbstract)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    public static JsonSerializerOptions Options { get; } = Json.Create(JsonTypeInfoResolver.Combine(
        [.. Contexts.Select(t => (IJsonTypeInfoResolver)t.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)]));

    public static string Serialize<T>(T value) => Json.Serialize(value, Options);

    public static T Deserialize<T>(string json, string what) => Json.Deserialize(json, Json.TypeInfo<T>(Options), what);

    public static Task<T> ReadFileAsync<T>(string path, CancellationToken ct) => Json.ReadFileAsync(path, Json.TypeInfo<T>(Options), ct);
}
