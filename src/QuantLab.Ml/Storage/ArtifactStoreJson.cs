using System.Text.Json.Serialization.Metadata;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>Reading the small JSON objects the store keeps one per key (records, locks, summaries, history).</summary>
public static class ArtifactStoreJson
{
    /// <summary>Every JSON object under <paramref name="prefix"/> (optionally only keys passing <paramref name="keyFilter"/>), in key order.</summary>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(
        this IArtifactStore store, string prefix, JsonTypeInfo<T> info, Func<string, bool>? keyFilter, CancellationToken ct)
    {
        var result = new List<T>();
        foreach (var key in await store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            if (keyFilter is not null && !keyFilter(key))
            {
                continue;
            }

            // A key listed a moment ago may be gone now (deleted lock, replaced record): skip it rather than fail.
            var text = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
            if (text is not null)
            {
                result.Add(Json.Deserialize(text.Content, info, key));
            }
        }

        return result;
    }
}
