using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class SplitPlanTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(60)]
    public void No_label_window_of_a_part_reaches_the_next_part(int horizon)
    {
        var config = new DatasetConfig { HorizonBars = horizon };
        foreach (int rows in RowCounts(config))
        {
            var split = SplitPlan.Create(rows, config);

            // Row r's label reads bars r..r+horizon (rows are consecutive bars).
            int lastTrainLabelEnd = split.Train.End - 1 + horizon;
            int lastValidLabelEnd = split.Valid.End - 1 + horizon;
            Assert.True(lastTrainLabelEnd < split.Valid.Start, $"{rows} rows: train label window ends at {lastTrainLabelEnd}, valid starts at {split.Valid.Start}");
            Assert.True(lastValidLabelEnd < split.Test.Start, $"{rows} rows: valid label window ends at {lastValidLabelEnd}, test starts at {split.Test.Start}");
        }
    }

    [Theory]
    [InlineData(0.70, 0.15, 0.15, 10)]
    [InlineData(0.5, 0.25, 0.25, 0)]
    [InlineData(0.6, 0.3, 0.1, 25)]
    public void Parts_are_chronological_fill_every_row_but_the_embargoes_and_follow_the_fractions(double train, double valid, double test, int embargo)
    {
        var config = new DatasetConfig { TrainFraction = train, ValidFraction = valid, TestFraction = test, EmbargoBars = embargo };
        foreach (int rows in RowCounts(config))
        {
            var split = SplitPlan.Create(rows, config);

            int available = rows - (2 * embargo);
            Assert.Equal(0, split.Train.Start);
            Assert.Equal(split.Train.End + embargo, split.Valid.Start);
            Assert.Equal(split.Valid.End + embargo, split.Test.Start);
            Assert.Equal(rows, split.Test.End);
            Assert.Equal(available, split.Counts.Train + split.Counts.Valid + split.Counts.Test);
            Assert.InRange((double)split.Train.Count, (available * train) - 1, available * train);
            Assert.InRange((double)split.Valid.Count, (available * valid) - 1, available * valid);
            Assert.True(split.Test.Count >= 1);
        }
    }

    [Theory]
    [InlineData(0.70, 0.15, 0.15, null)]
    [InlineData(0.45, 0.45, 0.10, 0)]
    [InlineData(0.98, 0.01, 0.01, 7)]
    public void The_minimum_row_count_is_the_first_that_gives_every_part_a_row(double train, double valid, double test, int? embargo)
    {
        var config = new DatasetConfig { TrainFraction = train, ValidFraction = valid, TestFraction = test, EmbargoBars = embargo };
        int minimum = SplitPlan.MinimumRows(config);

        var split = SplitPlan.Create(minimum, config);
        var ex = Assert.Throws<DatasetException>(() => SplitPlan.Create(minimum - 1, config));

        Assert.True(split.Train.Count >= 1 && split.Valid.Count >= 1 && split.Test.Count >= 1);
        Assert.Contains($"needs at least {minimum}", ex.Message, StringComparison.Ordinal);

        // And no smaller count would have worked either.
        for (int rows = 2 * config.EffectiveEmbargoBars; rows < minimum; rows++)
        {
            int available = rows - (2 * config.EffectiveEmbargoBars);
            int trainRows = (int)Math.Floor(available * train);
            int validRows = (int)Math.Floor(available * valid);
            Assert.False(trainRows >= 1 && validRows >= 1 && available - trainRows - validRows >= 1, $"{rows} rows would have been enough");
        }
    }

    private static IEnumerable<int> RowCounts(DatasetConfig config)
    {
        int minimum = SplitPlan.MinimumRows(config);
        return Enumerable.Range(minimum, 300).Concat([minimum + 1_000, minimum + 12_345, 86_100, 604_500]);
    }
}
