using System.Text;
using QuantLab.Ml.Common;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace QuantLab.Ml.Remote;

/// <summary>
/// The client key, parsed once and held in memory; its text is never logged, written anywhere or sent to the host.
/// Created from a file, from key text held in memory (an ephemeral per-job key), or from an SSH.NET key source.
/// </summary>
public sealed class SshPrivateKey : IDisposable
{
    private readonly IPrivateKeySource source;
    private readonly IDisposable? owned;

    private SshPrivateKey(IPrivateKeySource source, IDisposable? owned, string description)
    {
        this.source = source;
        this.owned = owned;
        Description = description;
    }

    /// <summary>Where the key came from (a path or "in-memory key"), safe to log.</summary>
    public string Description { get; }

    internal IPrivateKeySource Source => source;

    /// <summary>Reads and parses a private key file (OpenSSH or PEM); <c>~/</c> is expanded to the home folder.</summary>
    public static SshPrivateKey FromFile(string? path, Secret? passphrase = null)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException("no ssh private key given: set --key or Ssh:KeyFile to a private key file");
        }

        var full = ExpandHome(path.Trim());
        if (!File.Exists(full))
        {
            throw new UsageException($"ssh private key file '{full}' does not exist");
        }

        // As OpenSSH refuses it: a private key that group or others can read is no longer private.
        const UnixFileMode Shared = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & Shared) is var shared && shared != 0)
        {
            var mode = Convert.ToString((int)File.GetUnixFileMode(full) & 0x1FF, 8);
            throw new UsageException($"ssh private key file '{full}' has permissions 0{mode}, readable by group or others; it must be accessible only by you (chmod 600 '{full}'), as OpenSSH requires");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read ssh private key file '{full}': {ex.Message}", ex);
        }

        return Parse(bytes, passphrase, $"key file {full}");
    }

    /// <summary>Parses key text held in memory (OpenSSH or PEM), e.g. an ephemeral key generated for one job.</summary>
    public static SshPrivateKey FromText(Secret keyText, Secret? passphrase = null, string description = "in-memory key")
    {
        ArgumentNullException.ThrowIfNull(keyText);
        return Parse(Encoding.UTF8.GetBytes(keyText.Reveal()), passphrase, description);
    }

    /// <summary>Wraps an SSH.NET key source the caller built (e.g. from a generated key object); the caller keeps ownership.</summary>
    public static SshPrivateKey FromKeySource(IPrivateKeySource source, string description)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new SshPrivateKey(source, owned: null, description);
    }

    public void Dispose() => owned?.Dispose();

    public override string ToString() => Description;

    internal static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.GetFullPath(Path.Combine(home, path.Length > 2 ? path[2..] : string.Empty));
        }

        return Path.GetFullPath(path);
    }

    private static SshPrivateKey Parse(byte[] bytes, Secret? passphrase, string description)
    {
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var file = passphrase is null ? new PrivateKeyFile(stream) : new PrivateKeyFile(stream, passphrase.Reveal());
            return new SshPrivateKey(file, file, description);
        }
        catch (Exception ex) when (ex is SshException or SshPassPhraseNullOrEmptyException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // The parser's message names the problem (format, passphrase) but never echoes key material.
            var hint = passphrase is null ? " (if it is encrypted, put its passphrase in the environment variable named by Ssh:KeyPassphraseEnv)" : string.Empty;
            throw new UsageException($"cannot use ssh private key ({description}): {ex.Message}{hint}", ex);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }
}
