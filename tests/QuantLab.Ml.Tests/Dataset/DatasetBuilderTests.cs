using QuantLab.Ml.Tests.Support;
using System.IO.Compression;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class DatasetBuilderTests
{
    private static readonly DatasetConfig Config = TickSeries.SmallConfig;

    [Fact]
    public void Writes_train_valid_and_test_features_and_names_but_never_the_test_labels()
    {
        using var dir = new TempDir();

        var built = DatasetBuilder.Build(TickSeries.RandomWalk(6_000, seed: 21), Config, dir.Path, TestContext.Current.CancellationToken);

        using var zip = ZipFile.OpenRead(built.NpzPath);
        Assert.Equal(["X_train.npy", "y_train.npy", "X_valid.npy", "y_valid.npy", "X_test.npy", "feature_names.npy"], zip.Entries.Select(e => e.FullName));
        Assert.Equal(Path.Combine(dir.Path, "dataset.npz"), built.NpzPath);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Npz_arrays_hold_the_split_rows_of_the_feature_matrix_and_labels()
    {
        using var dir = new TempDir();
        var ticks = TickSeries.RandomWalk(6_000, seed: 22);
        var bars = BarBuilder.Build(ticks, Config.BarSeconds);
        var features = FeatureBuilder.Build(bars, Config);
        var labels = LabelBuilder.Build(bars, Config);
        var split = SplitPlan.Create(features.Rows, Config);

        var built = DatasetBuilder.Build(ticks, Config, dir.Path, TestContext.Current.CancellationToken);

        using var zip = ZipFile.OpenRead(built.NpzPath);
        foreach (var (part, rows) in new[] { ("train", split.Train), ("valid", split.Valid), ("test", split.Test) })
        {
            var x = NpyReader.ReadFloat32Matrix(Extract(zip, $"X_{part}.npy", dir));
            Assert.Equal((rows.Count, features.Columns), (x.Rows, x.Columns));
            Assert.Equal(features.RowSpan(rows.Start, rows.Count), x.Values);
        }

        Assert.Equal(labels.Classes.AsSpan(split.Train.Start, split.Train.Count).ToArray(), NpyReader.ReadInt32Vector(Extract(zip, "y_train.npy", dir)));
        Assert.Equal(labels.Classes.AsSpan(split.Valid.Start, split.Valid.Count).ToArray(), NpyReader.ReadInt32Vector(Extract(zip, "y_valid.npy", dir)));
        Assert.Equal(labels.Classes.AsSpan(split.Test.Start, split.Test.Count).ToArray(), built.TestLabels);
        Assert.Equal(labels.ForwardReturns.AsSpan(split.Test.Start, split.Test.Count).ToArray(), built.TestForwardReturns);
    }

    [Fact]
    public void Reports_counts_class_totals_dropped_bars_and_bar_times_that_add_up()
    {
        using var dir = new TempDir();

        var built = DatasetBuilder.Build(TickSeries.RandomWalk(6_000, seed: 23), Config, dir.Path, TestContext.Current.CancellationToken);

        var c = built.Counts;
        Assert.Equal(built.BarsBuilt, built.WarmupBarsDropped + c.Train + c.Valid + c.Test + built.EmbargoRowsDropped + built.HorizonBarsDropped);
        Assert.Equal(FeatureBuilder.WarmupBars(Config), built.WarmupBarsDropped);
        Assert.Equal(2 * Config.EffectiveEmbargoBars, built.EmbargoRowsDropped);
        Assert.Equal(c.Train, built.TrainClasses.Total);
        Assert.Equal(c.Valid, built.ValidClasses.Total);
        Assert.Equal(c.Test, built.TestClasses.Total);
        Assert.Equal(c.Test, built.TestLabels.Length);
        Assert.Equal(built.TestClasses, ClassCounts.Of(built.TestLabels));
        Assert.Equal(built.TrainClasses.Majority, built.TrainMajorityClass);
        Assert.Equal(built.TestForwardReturns.Select(r => LabelBuilder.Classify(r, LabelBuilder.DeadBand(Config))), built.TestLabels);
        Assert.Equal(FeatureBuilder.Names(Config), built.FeatureNames);

        // Test rows are the consecutive bars right before the horizon tail.
        long barMs = Config.BarSeconds * 1000L;
        Assert.Equal(c.Test, built.TestBarStartMs.Length);
        Assert.All(built.TestBarStartMs.Zip(built.TestBarStartMs.Skip(1)), p => Assert.Equal(barMs, p.Second - p.First));
        Assert.Equal(built.LastBarStartMs - (Config.HorizonBars * barMs), built.TestBarStartMs[^1]);
        Assert.Equal(built.FirstBarStartMs + ((built.BarsBuilt - 1) * barMs), built.LastBarStartMs);
        Assert.Equal(0, built.FirstBarStartMs % barMs);
    }

    [Fact]
    public void The_same_ticks_give_a_byte_identical_npz_and_its_sha256()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        var ticks = TickSeries.RandomWalk(6_000, seed: 24);
        var ct = TestContext.Current.CancellationToken;

        var a = DatasetBuilder.Build(ticks, Config, first.Path, ct);
        var b = DatasetBuilder.Build(ticks, Config, second.Path, ct);
        var other = DatasetBuilder.Build(TickSeries.RandomWalk(6_000, seed: 25), Config, first.File("other"), ct);

        var bytes = File.ReadAllBytes(a.NpzPath);
        Assert.Equal(bytes, File.ReadAllBytes(b.NpzPath));
        Assert.Equal(Hashing.Sha256(bytes), a.Sha256);
        Assert.Equal(a.Sha256, b.Sha256);
        Assert.NotEqual(a.Sha256, other.Sha256);
    }

    [Fact]
    public void Npz_entries_are_stored_uncompressed_with_a_fixed_timestamp()
    {
        using var dir = new TempDir();

        var built = DatasetBuilder.Build(TickSeries.RandomWalk(6_000, seed: 26), Config, dir.Path, TestContext.Current.CancellationToken);

        using var zip = ZipFile.OpenRead(built.NpzPath);
        Assert.All(zip.Entries, e =>
        {
            Assert.Equal(e.Length, e.CompressedLength);
            Assert.Equal(new DateTime(1980, 1, 1, 0, 0, 0), e.LastWriteTime.DateTime);
        });
    }

    [Fact]
    public void Rebuilding_replaces_the_previous_dataset()
    {
        using var dir = new TempDir();
        var ct = TestContext.Current.CancellationToken;

        var a = DatasetBuilder.Build(TickSeries.RandomWalk(6_000, seed: 27), Config, dir.Path, ct);
        var b = DatasetBuilder.Build(TickSeries.RandomWalk(5_000, seed: 28), Config, dir.Path, ct);

        Assert.NotEqual(a.Sha256, b.Sha256);
        Assert.Equal(b.Sha256, Hashing.Sha256(File.ReadAllBytes(b.NpzPath)));
    }

    [Fact]
    public void Too_few_bars_fail_with_the_bars_found_and_needed()
    {
        using var dir = new TempDir();
        int needed = DatasetBuilder.MinimumBars(Config);
        var ct = TestContext.Current.CancellationToken;

        var ex = Assert.Throws<DatasetException>(() => DatasetBuilder.Build(Ticks(needed - 1), Config, dir.Path, ct));
        var built = DatasetBuilder.Build(Ticks(needed), Config, dir.Path, ct);

        Assert.StartsWith($"window has {needed - 1} bars, needs at least {needed} ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(needed, built.BarsBuilt);
        Assert.True(built.Counts.Test >= 1);
        Assert.False(File.Exists(Path.Combine(dir.Path, "dataset.npz.tmp")));
    }

    [Fact]
    public void No_ticks_fail_the_same_clear_way()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<DatasetException>(() => DatasetBuilder.Build(new TickSeries().Build(), new DatasetConfig(), dir.Path, TestContext.Current.CancellationToken));

        Assert.StartsWith($"window has 0 bars, needs at least {DatasetBuilder.MinimumBars(new DatasetConfig())} ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_config_is_a_usage_error_naming_the_setting()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<UsageException>(() => DatasetBuilder.Build(Ticks(1000), Config with { ReturnWindows = [5, 5] }, dir.Path, TestContext.Current.CancellationToken));

        Assert.Contains("Dataset:ReturnWindows", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>One tick per bar (1 s bars) for <paramref name="bars"/> bars.</summary>
    private static BboColumns Ticks(int bars)
    {
        var series = new TickSeries();
        for (int i = 0; i < bars; i++)
        {
            double bid = 100 + (Math.Sin(i * 0.3) * 0.5);
            series.Add(TickSeries.Jan1 + (i * 1000L) + 1, bid, 1 + (i % 7), bid + 0.01, 1 + (i % 5));
        }

        return series.Build();
    }

    private static string Extract(ZipArchive zip, string entry, TempDir dir)
    {
        string path = dir.File(Guid.NewGuid().ToString("N") + ".npy");
        zip.GetEntry(entry)!.ExtractToFile(path);
        return path;
    }
}
