using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Operations;

/// <summary>Can this process write to the artifact store: tried for real, because a run learns it only at its job lock otherwise.</summary>
public static class StoreAccess
{
    /// <summary>
    /// Null when writable. A folder store is checked without creating it (its nearest existing parent must be writable); any
    /// other store gets a small probe object written and deleted under runs/.
    /// </summary>
    public static async Task<string?> CannotWriteAsync(IArtifactStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is FolderArtifactStore)
        {
            return FolderAccess.CannotWrite(store.Root) is { } why ? $"the store {why}" : null;
        }

        var key = $"runs/.write-check-{Guid.NewGuid():N}";
        try
        {
            await store.WriteTextAsync(key, "write check", WriteCondition.None, ct).ConfigureAwait(false);
            await store.DeleteAsync(key, ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            return $"the store {store.Root} is not writable: {ex.Message}";
        }
    }
}
