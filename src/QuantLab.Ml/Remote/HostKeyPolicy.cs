using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;

namespace QuantLab.Ml.Remote;

/// <summary>
/// Decides which host keys a run trusts. SSH.NET trusts every key unless told otherwise, so every connection the runner
/// makes goes through one of these: pin the first key seen for the run, or require a match in a known_hosts file.
/// </summary>
public abstract class HostKeyPolicy
{
    private protected HostKeyPolicy() { }

    /// <summary>Trusts the first key a host presents and then only that key for the rest of the run (use a new instance per run).</summary>
    public static HostKeyPolicy PinFirstSeen() => new PinFirstSeenPolicy();

    /// <summary>Trusts only keys listed for the endpoint in an OpenSSH known_hosts file, the way <c>StrictHostKeyChecking yes</c> does.</summary>
    public static HostKeyPolicy FromKnownHostsFile(string path) => new KnownHostsPolicy(KnownHostsFile.Load(path));

    /// <summary>Fingerprint (SHA256:…) of the last key this policy accepted, for logs and run records.</summary>
    public string? TrustedFingerprint { get; private protected set; }

    /// <summary>Short description for logs, e.g. "pin first seen" or "known_hosts /etc/ssh/ssh_known_hosts".</summary>
    public abstract string Description { get; }

    /// <summary>Returns null when the key is trusted, else the one-line reason it is not.</summary>
    internal abstract string? Check(SshEndpoint endpoint, ReadOnlySpan<byte> keyBlob);

    /// <summary>Lets a policy narrow the host key algorithms offered, so the server presents a key type the policy can verify.</summary>
    internal virtual void Configure(ConnectionInfo info, SshEndpoint endpoint) { }

    /// <summary>OpenSSH-style fingerprint: SHA256: followed by unpadded base64.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The key type named at the start of an SSH public key blob (e.g. ssh-ed25519).</summary>
    internal static string KeyType(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            return "unknown";
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        return length > 0 && length <= 64 && blob.Length >= 4 + length ? Encoding.ASCII.GetString(blob.Slice(4, (int)length)) : "unknown";
    }

    private sealed class PinFirstSeenPolicy : HostKeyPolicy
    {
        private readonly Lock gate = new();
        private byte[]? pinned;

        public override string Description => pinned is null ? "pin first seen" : "pinned " + Fingerprint(pinned);

        internal override string? Check(SshEndpoint endpoint, ReadOnlySpan<byte> keyBlob)
        {
            lock (gate)
            {
                if (pinned is null)
                {
                    pinned = keyBlob.ToArray();
                    TrustedFingerprint = Fingerprint(pinned);
                    return null;
                }

                if (keyBlob.SequenceEqual(pinned))
                {
                    return null;
                }

                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"host key of {endpoint} changed during the run: pinned {Fingerprint(pinned)} ({KeyType(pinned)}), now {Fingerprint(keyBlob)} ({KeyType(keyBlob)}); aborting (machine replaced or connection intercepted)");
            }
        }
    }

    private sealed class KnownHostsPolicy(KnownHostsFile file) : HostKeyPolicy
    {
        public override string Description => "known_hosts " + file.Source;

        internal override string? Check(SshEndpoint endpoint, ReadOnlySpan<byte> keyBlob)
        {
            var name = endpoint.KnownHostsName;
            var type = KeyType(keyBlob);
            var fingerprint = Fingerprint(keyBlob);
            var verdict = file.Check(name, type, keyBlob);
            if (verdict == KnownHostsVerdict.Trusted)
            {
                TrustedFingerprint = fingerprint;
                return null;
            }

            var scan = endpoint.Port == 22
                ? $"ssh-keyscan {endpoint.Host}"
                : string.Create(CultureInfo.InvariantCulture, $"ssh-keyscan -p {endpoint.Port} {endpoint.Host}");
            return verdict switch
            {
                KnownHostsVerdict.Revoked => $"host key {fingerprint} of {name} is marked @revoked in {file.Source}; refusing to connect",
                KnownHostsVerdict.Changed => $"REMOTE HOST IDENTIFICATION HAS CHANGED for {name}: it presented {type} {fingerprint}, which does not match {file.Source}; refusing to connect",
                KnownHostsVerdict.OtherTypesOnly => $"{file.Source} has no {type} key for {name} (it presented {fingerprint}); add it with `{scan}` after checking the fingerprint",
                _ => $"host {name} is not in {file.Source} (it presented {type} {fingerprint}); add it with `{scan} >> {file.Source}` after checking the fingerprint",
            };
        }

        internal override void Configure(ConnectionInfo info, SshEndpoint endpoint)
        {
            var types = file.KeyTypesFor(endpoint.KnownHostsName);
            if (types.Count == 0)
            {
                return; // unknown host: let the key arrive and be refused with a message naming it
            }

            var unusable = info.HostKeyAlgorithms.Keys.Where(algorithm => !types.Contains(KeyTypeOfAlgorithm(algorithm))).ToList();
            if (unusable.Count < info.HostKeyAlgorithms.Count)
            {
                foreach (var algorithm in unusable)
                {
                    info.HostKeyAlgorithms.Remove(algorithm);
                }
            }
        }

        private static string KeyTypeOfAlgorithm(string algorithm) => algorithm switch
        {
            "rsa-sha2-256" or "rsa-sha2-512" => "ssh-rsa",
            _ => algorithm,
        };
    }
}
