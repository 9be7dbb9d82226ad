using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class DataSourceTests
{
    [Fact]
    public void Keys_follow_the_production_layout()
    {
        var day = new DateOnly(2026, 1, 15);

        Assert.Equal("exchange=binance/stream=bbo/symbol=btcusdt/date=20260115/data.parquet", CompactLayout.DataKey("binance", "bbo", "BTCUSDT", day));
        Assert.Equal("exchange=bybit/stream=bbo/symbol=adausdt/date=20260115/meta.json", CompactLayout.MetaKey("bybit", "bbo", "adausdt", day));
        Assert.Equal("okx/bbo/ethusdt/20260115", CompactLayout.PartitionId("okx", "bbo", "ethusdt", day));
        Assert.Equal("compacted/_state.json", CompactLayout.StateKey);
    }

    [Fact]
    public void Keys_reject_names_that_could_escape_the_layout()
    {
        Assert.Throws<UsageException>(() => CompactLayout.DataKey("binance", "bbo", "../etc", new DateOnly(2026, 1, 15)));
        Assert.Throws<UsageException>(() => CompactLayout.DataKey("bin/ance", "bbo", "btcusdt", new DateOnly(2026, 1, 15)));
    }

    [Fact]
    public async Task Folder_source_reads_text_and_sizes_and_reports_missing_keys_as_null()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.GetDirectoryName(dir.File("compacted/_state.json"))!);
        await File.WriteAllTextAsync(dir.File("compacted/_state.json"), "{\"x\":1}", TestContext.Current.CancellationToken);
        var source = new FolderDataSource(dir.Path);

        Assert.Equal("{\"x\":1}", await source.ReadTextAsync("compacted/_state.json", TestContext.Current.CancellationToken));
        Assert.Equal(7L, await source.GetSizeAsync("compacted/_state.json", TestContext.Current.CancellationToken));
        Assert.Equal(dir.File("compacted/_state.json"), await source.GetLocalFileAsync("compacted/_state.json", TestContext.Current.CancellationToken));
        Assert.Null(await source.ReadTextAsync("compacted/other.json", TestContext.Current.CancellationToken));
        Assert.Null(await source.ReadTextAsync("nowhere/at/all.json", TestContext.Current.CancellationToken));
        Assert.Null(await source.GetSizeAsync("compacted/other.json", TestContext.Current.CancellationToken));
        var missing = await Assert.ThrowsAsync<QuantLabException>(() => source.GetLocalFileAsync("compacted/other.json", TestContext.Current.CancellationToken));
        Assert.Contains("compacted/other.json", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../secret.json")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\..\\b")]
    public async Task Folder_source_refuses_keys_outside_its_root(string key)
    {
        using var dir = new TempDir();
        var source = new FolderDataSource(dir.Path);

        await Assert.ThrowsAsync<QuantLabException>(() => source.ReadTextAsync(key, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Factory_opens_folders_and_file_uris()
    {
        using var dir = new TempDir();

        Assert.Equal(dir.Path, DataSourceFactory.Open(dir.Path).Root);
        Assert.Equal(dir.Path, DataSourceFactory.Open(new Uri(dir.Path).AbsoluteUri).Root);
        Assert.IsType<FolderDataSource>(DataSourceFactory.Open("relative/folder"));
    }

    [Fact]
    public void Factory_hands_s3_uris_to_the_s3_opener_and_refuses_them_without_one()
    {
        using var dir = new TempDir();
        QuantLab.Ml.Storage.S3Root? opened = null;

        var source = DataSourceFactory.Open("s3://quantlab-compact/prefix", location =>
        {
            opened = location;
            return new FolderDataSource(dir.Path);
        });

        Assert.Equal(("quantlab-compact", "prefix/"), (opened!.Bucket, opened.Prefix));
        Assert.IsType<FolderDataSource>(source);
        Assert.Throws<UsageException>(() => DataSourceFactory.Open("s3://quantlab-compact/prefix"));
        Assert.Throws<UsageException>(() => DataSourceFactory.Open("s3://Not_A_Bucket/prefix", _ => source));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("https://example.invalid/data")]
    [InlineData("file://server/share")]
    public void Factory_rejects_what_it_cannot_open(string uri)
    {
        Assert.Throws<UsageException>(() => DataSourceFactory.Open(uri));
    }
}
