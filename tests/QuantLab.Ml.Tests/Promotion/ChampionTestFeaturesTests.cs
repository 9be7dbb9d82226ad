using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Tests.Dataset;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>The champion's test features are built over the candidate's test bars with the champion's own windows.</summary>
[Trait("Category", "Unit")]
public sealed class ChampionTestFeaturesTests : IDisposable
{
    private static readonly DatasetConfig Candidate = new() { ReturnWindows = [1, 5], VolatilityWindows = [10], ImbalanceMeanWindows = [10], UpdateCountWindows = [10] };
    private static readonly DatasetConfig Champion = new() { ReturnWindows = [1, 30, 120], VolatilityWindows = [60], ImbalanceMeanWindows = [60], UpdateCountWindows = [] };

    private readonly TempDir temp = new();

    [Fact]
    public void Champion_rows_are_its_own_features_of_exactly_the_candidates_test_bars()
    {
        var ticks = TickSeries.RandomWalk(20_000, seed: 4);
        var built = DatasetBuilder.Build(ticks, Candidate, temp.Path, TestContext.Current.CancellationToken);

        var features = ChampionTestFeatures.Build(ticks, Candidate, Champion, built.TestBarStartMs);

        // Independently: the champion's full feature matrix, looked up by each test bar's start time.
        var bars = BarBuilder.Build(ticks, Champion.BarSeconds);
        var all = FeatureBuilder.Build(bars, Champion);
        Assert.Equal(FeatureBuilder.Names(Champion), features.Names);
        Assert.Equal(built.TestLabels.Length, features.Rows);
        for (var i = 0; i < features.Rows; i += 97)
        {
            var bar = (int)((built.TestBarStartMs[i] - bars.FirstBarStartMs) / bars.BarMs);
            Assert.Equal(all.Row(bar - all.FirstBar).ToArray(), features.Row(i).ToArray());
        }
    }

    [Fact]
    public void The_npz_for_the_trainer_holds_x_test_and_feature_names()
    {
        var ticks = TickSeries.RandomWalk(20_000, seed: 5);
        var built = DatasetBuilder.Build(ticks, Candidate, temp.Path, TestContext.Current.CancellationToken);
        var features = ChampionTestFeatures.Build(ticks, Candidate, Champion, built.TestBarStartMs);
        var path = temp.File("production-data.npz");

        ChampionTestFeatures.WriteNpz(path, features);

        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        Assert.Equal(["X_test.npy", "feature_names.npy"], zip.Entries.Select(e => e.FullName));
    }

    [Theory]
    [InlineData(20, 1, 0.5, "a horizon of 20 bars vs the candidate's 10")]
    [InlineData(10, 5, 0.5, "bars of 5 s vs the candidate's 1 s")]
    [InlineData(10, 1, 2.0, "a dead band of 2 bps vs the candidate's 0.5")]
    public void A_champion_of_another_target_is_not_comparable_and_says_why(int horizon, int barSeconds, double deadBand, string expected)
    {
        var other = Champion with { HorizonBars = horizon, BarSeconds = barSeconds, DeadBandBps = deadBand };

        var why = ChampionTestFeatures.Incompatibility(Candidate, other);

        Assert.Contains(expected, why, StringComparison.Ordinal);
        Assert.Null(ChampionTestFeatures.Incompatibility(Candidate, Champion));
        var ex = Assert.Throws<QuantLabException>(() => ChampionTestFeatures.Build(TickSeries.RandomWalk(100, 1), Candidate, other, []));
        Assert.Equal(why, ex.Message);
    }

    [Fact]
    public void Test_bars_that_do_not_match_the_dataset_are_refused()
    {
        var ticks = TickSeries.RandomWalk(20_000, seed: 6);
        var built = DatasetBuilder.Build(ticks, Candidate, temp.Path, TestContext.Current.CancellationToken);
        var shifted = built.TestBarStartMs.Select(ms => ms + 1000).ToArray();

        var ex = Assert.Throws<QuantLabException>(() => ChampionTestFeatures.Build(ticks, Candidate, Champion, shifted));

        Assert.Contains("the data changed under the job", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
