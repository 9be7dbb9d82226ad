using System.Security.Cryptography;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Tests.Support.Sshd;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Remote;

[Collection("sshd")]
[Trait("Category", "Integration")]
public sealed class SftpTransferTests(SshdFixture sshd)
{
    [Fact]
    public async Task Uploads_and_downloads_a_multi_megabyte_file_with_matching_checksums()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        Directory.CreateDirectory(bed.RemoteRoot);
        var local = Path.Combine(bed.Work, "big.bin");
        const int megabytes = 48;
        await using (var file = File.Create(local))
        {
            for (var i = 0; i < megabytes; i++)
            {
                await file.WriteAsync(RandomNumberGenerator.GetBytes(1 << 20), ct);
            }
        }

        var remote = bed.RemoteRoot + "/big.bin";
        var back = Path.Combine(bed.Work, "big.back");
        using var conn = new SshConnection(sshd.Target(), bed.Options(), TimeProvider.System, bed.Log.Logger);
        await conn.OpenAsync(ct);

        var up = TimeProvider.System.GetTimestamp();
        await conn.UploadFileAsync(local, remote, ct);
        var upSeconds = TimeProvider.System.GetElapsedTime(up).TotalSeconds;
        var remoteHash = await conn.RunAsync(ShellQuote.Script("sha256sum -- \"$1\"", remote), TimeSpan.FromSeconds(60), ct);
        var down = TimeProvider.System.GetTimestamp();
        var hashedWhileWriting = await conn.DownloadFileAsync(remote, back, ct);
        var downSeconds = TimeProvider.System.GetElapsedTime(down).TotalSeconds;

        var localHash = await Hashing.Sha256FileAsync(local, ct);
        Assert.Equal(localHash, remoteHash.StdoutText.Split(' ')[0]);
        Assert.Equal(localHash, await Hashing.Sha256FileAsync(back, ct));
        Assert.Equal(localHash, hashedWhileWriting);
        TestContext.Current.TestOutputHelper?.WriteLine($"{megabytes} MiB over loopback SFTP: upload {megabytes * 1.048576 / upSeconds:0.0} MB/s, download {megabytes * 1.048576 / downSeconds:0.0} MB/s");
    }

    [Fact]
    public async Task A_download_that_does_not_match_the_manifest_fails_with_the_file_name_and_leaves_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        var remoteDir = Path.Combine(bed.RemoteRoot, "out");
        Directory.CreateDirectory(remoteDir);
        await File.WriteAllTextAsync(Path.Combine(remoteDir, "good.json"), "{}", ct);
        await File.WriteAllBytesAsync(Path.Combine(remoteDir, "model.bin"), RandomNumberGenerator.GetBytes(300_000), ct);
        var manifest = new Dictionary<string, string>
        {
            ["good.json"] = Hashing.Sha256("{}"),
            ["model.bin"] = Hashing.Sha256("what the launcher hashed before the file changed"),
        };
        Directory.CreateDirectory(bed.OutputDir);
        using var conn = new SshConnection(sshd.Target(), bed.Options(), TimeProvider.System, bed.Log.Logger);
        await conn.OpenAsync(ct);

        var error = await Assert.ThrowsAsync<TrainerFailedException>(() => VerifiedDownload.DownloadVerifiedAsync(conn, remoteDir, manifest, bed.OutputDir, TimeProvider.System, ct));

        Assert.Contains("trainer output model.bin failed its sha256 check", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(bed.OutputDir, "model.bin")));
        Assert.Empty(Directory.GetFiles(bed.OutputDir, "*.part"));
    }

    [Fact]
    public async Task A_download_whose_connection_goes_silent_is_cut_by_the_operation_timeout_and_finishes_after_a_reconnect()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bed = RemoteTestBed.Create(sshd);
        Directory.CreateDirectory(bed.RemoteRoot);
        var remote = bed.RemoteRoot + "/big.bin";
        await File.WriteAllBytesAsync(remote, RandomNumberGenerator.GetBytes(24 << 20), ct);
        await using var relay = new TcpRelay(sshd.Port);
        var options = bed.Options();
        using var conn = new SshConnection(sshd.Target(endpoint: SshEndpoint.Create("127.0.0.1", relay.Port, sshd.User)), options, TimeProvider.System, bed.Log.Logger);
        await conn.OpenAsync(ct);

        // Short only once the login is made: the login's probe command under a loaded CI machine can take seconds itself.
        // The SFTP channel is opened by the first transfer, so it gets this timeout.
        options.OperationTimeout = TimeSpan.FromSeconds(3);
        var back = Path.Combine(bed.Work, "big.back");

        // The host stops sending 4 MiB into the file and the TCP connection stays open: only the timeout can notice.
        var stalled = relay.StallAfter(4 << 20);
        var download = conn.WithReconnectAsync("download big.bin", token => conn.DownloadFileAsync(remote, back, token), ct);
        await stalled.WaitAsync(TimeSpan.FromSeconds(60), ct);
        while (!bed.Log.Messages.Any(m => m.Contains("reconnecting", StringComparison.Ordinal)) && !download.IsCompleted)
        {
            await Task.Delay(50, ct);
        }

        relay.Resume();
        var sha = await download;

        Assert.Equal(await Hashing.Sha256FileAsync(remote, ct), sha);
        Assert.Equal(await Hashing.Sha256FileAsync(remote, ct), await Hashing.Sha256FileAsync(back, ct));
        Assert.True(conn.Reconnects >= 1, $"expected a reconnect, saw {conn.Reconnects}");
        Assert.Contains(bed.Log.Messages, m => m.Contains("lost during \"download big.bin\"", StringComparison.Ordinal));
    }
}
