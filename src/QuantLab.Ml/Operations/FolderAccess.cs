namespace QuantLab.Ml.Operations;

/// <summary>Can this process read a folder, or write (or create) one: tried for real, since permission bits alone miss ACLs, read-only mounts and full disks.</summary>
internal static class FolderAccess
{
    public static string? CannotRead(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return $"{dir} does not exist";
        }

        try
        {
            _ = Directory.EnumerateFileSystemEntries(dir).FirstOrDefault();
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{dir} cannot be read: {ex.Message}";
        }
    }

    /// <summary>Null when writable; a folder that does not exist counts when its nearest existing parent is writable (it will be created).</summary>
    public static string? CannotWrite(string dir)
    {
        var existing = Path.GetFullPath(dir);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"{dir}: {existing} is a file, not a folder";
            }

            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return $"{dir}: no existing parent folder";
            }

            existing = parent;
        }

        var probe = Path.Combine(existing, $".quantlab-ml-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return existing == Path.GetFullPath(dir) ? $"{dir} is not writable: {ex.Message}" : $"{dir} does not exist and {existing} is not writable: {ex.Message}";
        }
    }
}
