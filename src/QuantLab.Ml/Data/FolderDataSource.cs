using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Compact data in a local folder laid out exactly like the bucket.</summary>
public sealed class FolderDataSource : ICompactDataSource
{
    public FolderDataSource(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public async Task<string?> ReadTextAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<long?> GetSizeAsync(string key, CancellationToken ct)
    {
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    public Task<string> GetLocalFileAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new QuantLabException($"{key} not found under {Root}");
        }

        return Task.FromResult(path);
    }

    /// <summary>Maps a key to a path, refusing anything that could leave the root (keys may come from state files).</summary>
    internal string PathOf(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Contains('\\', StringComparison.Ordinal) || key.StartsWith('/')
            || key.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new QuantLabException($"invalid data key '{key}': expected a relative path like exchange=binance/stream=bbo/...");
        }

        return Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}
