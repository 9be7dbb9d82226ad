using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Remote;

/// <summary>A --key file that group or others can read is refused before anything connects, as OpenSSH refuses it.</summary>
[Trait("Category", "Unit")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshKeyPermissionsTests : IDisposable
{
    private readonly TempDir temp = new();

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    public void FromFile_KeyReadableByOthers_IsRefusedNamingPathAndMode(UnixFileMode mode, string shown)
    {
        var key = temp.Combine("id_ed25519");
        File.WriteAllText(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        File.SetUnixFileMode(key, mode);

        var error = Assert.Throws<UsageException>(() => SshPrivateKey.FromFile(key));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains($"permissions {shown}", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_KeyOnlyTheOwnerCanRead_GetsPastThePermissionCheck()
    {
        var key = temp.Combine("id_ed25519");
        File.WriteAllText(key, "not a key");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.ThrowsAny<QuantLabException>(() => SshPrivateKey.FromFile(key));

        Assert.DoesNotContain("permissions", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
