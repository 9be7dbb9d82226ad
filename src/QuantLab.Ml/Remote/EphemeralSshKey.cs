using System.Diagnostics;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>
/// A throw-away ed25519 key pair for one job on a rented machine: made with ssh-keygen in a private 0700 folder that is
/// deleted at once, so the private key lives only in memory; the machine gets the public half through the Vast API.
/// </summary>
public sealed class EphemeralSshKey : IDisposable
{
    private EphemeralSshKey(SshPrivateKey privateKey, string publicKey)
    {
        Private = privateKey;
        PublicKey = publicKey;
    }

    public SshPrivateKey Private { get; }

    /// <summary>The OpenSSH public key line (ssh-ed25519 AAAA… quantlab-ml:&lt;job&gt;).</summary>
    public string PublicKey { get; }

    public static async Task<EphemeralSshKey> CreateAsync(string comment, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("quantlab-key-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var path = Path.Combine(dir.FullName, "id_ed25519");
            var psi = new ProcessStartInfo("ssh-keygen") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { "-q", "-t", "ed25519", "-N", string.Empty, "-C", comment, "-f", path })
            {
                psi.ArgumentList.Add(arg);
            }

            Process process;
            try
            {
                process = Process.Start(psi) ?? throw new QuantLabException("could not start ssh-keygen");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new QuantLabException("ssh-keygen is needed to make the per-job SSH key (install openssh-client)", ex);
            }

            using (process)
            {
                var error = await process.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    throw new QuantLabException($"ssh-keygen failed: {error.Trim()}");
                }
            }

            var privateText = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            var publicKey = (await File.ReadAllTextAsync(path + ".pub", ct).ConfigureAwait(false)).Trim();
            return new EphemeralSshKey(SshPrivateKey.FromText(new Secret(privateText), null, $"ephemeral key for {comment}"), publicKey);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public void Dispose() => Private.Dispose();
}
