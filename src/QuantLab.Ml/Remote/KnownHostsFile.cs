using System.Security.Cryptography;
using System.Text;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>An OpenSSH known_hosts file: plain, wildcard, negated and hashed host patterns, [host]:port names and @revoked keys.</summary>
internal sealed class KnownHostsFile
{
    private readonly IReadOnlyList<Entry> entries;

    private KnownHostsFile(string source, IReadOnlyList<Entry> entries)
    {
        Source = source;
        this.entries = entries;
    }

    public string Source { get; }

    public static KnownHostsFile Load(string path)
    {
        var full = SshPrivateKey.ExpandHome(path);
        if (!File.Exists(full))
        {
            throw new UsageException($"known_hosts file '{full}' does not exist");
        }

        try
        {
            return Parse(File.ReadAllText(full), full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read known_hosts file '{full}': {ex.Message}", ex);
        }
    }

    public static KnownHostsFile Parse(string text, string source)
    {
        var entries = new List<Entry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var marker = Marker.None;
            var i = 0;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0] switch
                {
                    "@revoked" => Marker.Revoked,
                    "@cert-authority" => Marker.CertAuthority,
                    _ => Marker.Unknown,
                };
                i = 1;
            }

            if (fields.Length < i + 3 || marker == Marker.Unknown)
            {
                continue; // OpenSSH skips malformed lines too; a bad line must not hide the good ones.
            }

            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[i + 2]);
            }
            catch (FormatException)
            {
                continue;
            }

            entries.Add(new Entry(marker, fields[i], fields[i + 1], blob));
        }

        return new KnownHostsFile(source, entries);
    }

    /// <summary>Key types listed for <paramref name="name"/> (known_hosts form: host or [host]:port).</summary>
    public IReadOnlySet<string> KeyTypesFor(string name) =>
        entries.Where(e => e.Marker == Marker.None && HostMatches(e.Hosts, name)).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);

    public KnownHostsVerdict Check(string name, string keyType, ReadOnlySpan<byte> blob)
    {
        foreach (var e in entries)
        {
            if (e.Marker == Marker.Revoked && blob.SequenceEqual(e.Blob) && HostMatches(e.Hosts, name))
            {
                return KnownHostsVerdict.Revoked;
            }
        }

        var anyForHost = false;
        var sameType = false;
        foreach (var e in entries)
        {
            if (e.Marker != Marker.None || !HostMatches(e.Hosts, name))
            {
                continue;
            }

            if (blob.SequenceEqual(e.Blob))
            {
                return KnownHostsVerdict.Trusted;
            }

            anyForHost = true;
            sameType |= string.Equals(e.KeyType, keyType, StringComparison.Ordinal);
        }

        return !anyForHost ? KnownHostsVerdict.Unknown : sameType ? KnownHostsVerdict.Changed : KnownHostsVerdict.OtherTypesOnly;
    }

    private static bool HostMatches(string hosts, string name)
    {
        if (hosts.StartsWith("|1|", StringComparison.Ordinal))
        {
            return HashedMatches(hosts, name);
        }

        var matched = false;
        foreach (var pattern in hosts.Split(','))
        {
            if (pattern.StartsWith('!'))
            {
                if (Wildcard(pattern[1..], name))
                {
                    return false; // a negated match vetoes the whole line, as in OpenSSH
                }
            }
            else if (Wildcard(pattern, name))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static bool HashedMatches(string hosts, string name)
    {
        var parts = hosts.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
#pragma warning disable CA5350 // HMAC-SHA1 is what OpenSSH's HashKnownHosts format uses; it only hides host names, it protects nothing.
            var actual = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name.ToLowerInvariant()));
#pragma warning restore CA5350
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Wildcard(string pattern, string name) => WildcardAt(pattern.ToLowerInvariant(), 0, name.ToLowerInvariant(), 0);

    private static bool WildcardAt(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            if (p[pi] == '*')
            {
                for (var k = si; k <= s.Length; k++)
                {
                    if (WildcardAt(p, pi + 1, s, k))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (si >= s.Length || (p[pi] != '?' && p[pi] != s[si]))
            {
                return false;
            }

            pi++;
            si++;
        }

        return si == s.Length;
    }

    private enum Marker
    {
        None,
        Revoked,
        CertAuthority,
        Unknown,
    }

    private sealed record Entry(Marker Marker, string Hosts, string KeyType, byte[] Blob);
}

/// <summary>What a known_hosts file says about a presented host key.</summary>
internal enum KnownHostsVerdict
{
    Trusted,
    Unknown,
    Changed,
    OtherTypesOnly,
    Revoked,
}
