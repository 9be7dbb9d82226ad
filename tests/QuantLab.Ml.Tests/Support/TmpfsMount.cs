using QuantLab.Ml.Tests.Support.Sshd;

namespace QuantLab.Ml.Tests.Support;

/// <summary>
/// A real tmpfs mounted on a folder (read-only, or a few hundred KiB big to fill up), for the store faults a file system
/// really shows: EROFS and ENOSPC. Tests run as root here and in CI, where chmod stops no write, so a mount is the honest
/// way; where mount is not permitted (an unprivileged container) <see cref="TryMountAsync"/> says why and the test skips.
/// </summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs with <paramref name="options"/> (e.g. "ro,size=1m") on a new folder <paramref name="path"/>; null and the reason when not permitted.</summary>
    public static async Task<(TmpfsMount? Mount, string? Why)> TryMountAsync(string path, string options, CancellationToken ct)
    {
        Directory.CreateDirectory(path);
        Proc.Result result;
        try
        {
            result = await Proc.RunAsync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path], ct);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, $"mount cannot be run here ({ex.Message})");
        }

        return result.ExitCode == 0
            ? (new TmpfsMount(path), null)
            : (null, $"mounting a tmpfs is not permitted here (mount -t tmpfs -o {options}: exit {result.ExitCode}, {result.Stderr.Trim()})");
    }

    /// <summary>Remounts read-write (e.g. after a test filled it read-only), for tests that need to put something in first.</summary>
    public Task RemountAsync(string options, CancellationToken ct) => Proc.RunCheckedAsync("mount", ["-o", "remount," + options, Path], ct);

    public async ValueTask DisposeAsync()
    {
        // Lazy: a file still open by the in-process CLI must not leave the mount behind.
        await Proc.RunAsync("umount", ["-l", Path], CancellationToken.None);
    }
}
