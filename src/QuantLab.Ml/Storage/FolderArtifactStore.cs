using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>An <see cref="IArtifactStore"/> on a local folder; writes are atomic renames, conditional writes hold a lock file.</summary>
public sealed class FolderArtifactStore : IArtifactStore
{
    /// <summary>Pause between tries for a held lock file (200 tries: a writer holds it for one small write, milliseconds).</summary>
    internal static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(25);

    private readonly string root;
    private readonly TimeProvider time;

    /// <summary>A store whose lock waits run on the system clock.</summary>
    public FolderArtifactStore(string root)
        : this(root, TimeProvider.System)
    {
    }

    /// <summary>A store whose lock waits (while another writer holds a pointer's lock file) run on <paramref name="time"/>.</summary>
    public FolderArtifactStore(string root, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(time);
        this.root = Path.GetFullPath(root);
        this.time = time;
    }

    public string Root => root;

    public async Task<string> PutFileAsync(string key, string localPath, CancellationToken ct)
    {
        var target = await CopyIntoPlaceAsync(key, localPath, check: null).ConfigureAwait(false);
        return await Hashing.Sha256FileAsync(target, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the copy (not the source) against <paramref name="sha256"/> before it is renamed into place: one hashing pass,
    /// of what is stored; on a difference nothing is stored. The version tag is that sha256.
    /// </summary>
    public async Task<string> PutFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        await CopyIntoPlaceAsync(key, localPath, tmp => IArtifactStore.CheckSha256Async(tmp, sha256, $"{localPath} (for {key})", ct)).ConfigureAwait(false);
        return sha256.ToLowerInvariant();
    }

    /// <summary>Copies to a temporary name beside the key's file, runs <paramref name="check"/> on the copy, then renames it into place.</summary>
    private async Task<string> CopyIntoPlaceAsync(string key, string localPath, Func<string, Task>? check)
    {
        var target = PathOf(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var tmp = TempNameFor(target);
            try
            {
                File.Copy(localPath, tmp, overwrite: true);
                if (check is not null)
                {
                    await check(tmp).ConfigureAwait(false);
                }

                File.Move(tmp, target, overwrite: true);
            }
            finally
            {
                File.Delete(tmp);
            }
        }
        catch (Exception ex) when (IsRefusal(ex) && File.Exists(localPath))
        {
            throw Refused(target, ex);
        }

        return target;
    }

    public Task GetFileAsync(string key, string localPath, CancellationToken ct)
    {
        var source = PathOf(key);
        if (!File.Exists(source))
        {
            throw new ArtifactNotFoundException($"{Describe(key)} does not exist");
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(localPath));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.Copy(source, localPath, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>Copies beside <paramref name="localPath"/>, checks the copy's sha256, then renames it into place.</summary>
    public async Task GetFileAsync(string key, string localPath, string sha256, CancellationToken ct)
    {
        var tmp = TempNameFor(Path.GetFullPath(localPath));
        try
        {
            await GetFileAsync(key, tmp, ct).ConfigureAwait(false);
            await IArtifactStore.CheckSha256Async(tmp, sha256, Describe(key), ct).ConfigureAwait(false);
            File.Move(tmp, localPath, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    public async Task<VersionedText?> ReadTextAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        var content = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        return new VersionedText(content, Hashing.Sha256(content));
    }

    public async Task<string> WriteTextAsync(string key, string content, WriteCondition condition, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (condition.MustNotExist || condition.IfMatchETag is not null)
            {
                // The lock file makes check-then-rename atomic against other writers on this machine (and NFS with O_EXCL).
                using var guard = await AcquireLockAsync(path + ".lock", ct).ConfigureAwait(false);
                CheckCondition(key, path, condition);
                await WriteAtomicAsync(path, content, ct).ConfigureAwait(false);
            }
            else
            {
                await WriteAtomicAsync(path, content, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            throw Refused(path, ex);
        }

        return Hashing.Sha256(content);
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct)
    {
        var normalized = NormalizeKey(prefix, allowEmpty: true);
        var dirPart = normalized.Contains('/', StringComparison.Ordinal) ? normalized[..normalized.LastIndexOf('/')] : string.Empty;
        var start = dirPart.Length == 0 ? root : Path.Combine(root, dirPart);
        if (!Directory.Exists(start))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        var keys = Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(normalized, StringComparison.Ordinal) && !IsInternal(k))
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<string>>(keys);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            throw Refused(path, ex);
        }

        return Task.CompletedTask;
    }

    /// <summary>A failure of the file system under the store (read-only, permissions, full, a parent that is a file), not of a missing source.</summary>
    private static bool IsRefusal(Exception ex) => ex is UnauthorizedAccessException || (ex is IOException && ex is not (FileNotFoundException or PathTooLongException));

    /// <summary>One line naming the path and the cause: .NET's Unix messages end in " : 'path'", which the line already names.</summary>
    private StoreWriteException Refused(string path, Exception ex)
    {
        var cause = ex.Message;
        var cut = cause.IndexOf(" : '", StringComparison.Ordinal);
        cause = cut > 0 ? cause[..cut] : cause.TrimEnd('.');
        return new StoreWriteException($"cannot write {path} (store {root}): {cause}", ex);
    }

    private static bool IsInternal(string key) => key.EndsWith(".lock", StringComparison.Ordinal) || key.Contains(".tmp-", StringComparison.Ordinal);

    private void CheckCondition(string key, string path, WriteCondition condition)
    {
        var exists = File.Exists(path);
        if (condition.MustNotExist && exists)
        {
            throw new ConcurrentWriteException($"{Describe(key)} already exists (created concurrently)");
        }

        if (condition.IfMatchETag is { } expected)
        {
            var current = exists ? Hashing.Sha256(File.ReadAllText(path)) : null;
            if (!string.Equals(current, expected, StringComparison.Ordinal))
            {
                throw new ConcurrentWriteException($"{Describe(key)} changed under you (expected version {expected[..Math.Min(12, expected.Length)]})");
            }
        }
    }

    private static async Task WriteAtomicAsync(string path, string content, CancellationToken ct)
    {
        var tmp = TempNameFor(path);
        try
        {
            await File.WriteAllTextAsync(tmp, content, ct).ConfigureAwait(false);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    private async Task<FileStream> AcquireLockAsync(string lockPath, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            // Only a held lock is worth waiting for: a lock file that cannot even be created (read-only, no permission)
            // fails at once, after a few tries for the moment between a holder's close and our open.
            catch (IOException) when (attempt < 200 && (attempt < 3 || File.Exists(lockPath)))
            {
                await Task.Delay(LockRetryDelay, time, ct).ConfigureAwait(false);
            }
        }
    }

    private static string TempNameFor(string target) => $"{target}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    private string Describe(string key) => $"{Path.Combine(root, key)}";

    private string PathOf(string key) => Path.Combine(root, NormalizeKey(key, allowEmpty: false));

    /// <summary>Rejects keys that could escape the root (.., absolute paths, backslashes).</summary>
    internal static string NormalizeKey(string key, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(key);
        if ((!allowEmpty && key.Length == 0) || key.StartsWith('/') || key.Contains('\\', StringComparison.Ordinal)
            || key.Split('/').Any(part => part is ".." or "."))
        {
            throw new UsageException($"invalid store key '{key}'");
        }

        return key;
    }
}
