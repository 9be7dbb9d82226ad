using QuantLab.Ml.Pipeline.Batching;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

[Trait("Category", "Unit")]
public sealed class TrainingTimeEstimateTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

    private static PastTraining Run(long rows, double seconds, int daysAgo) =>
        new() { TrainRows = rows, TrainerSeconds = seconds, FinishedAt = Day.AddDays(-daysAgo) };

    [Fact]
    public void The_median_seconds_per_row_of_past_runs_scales_to_todays_rows()
    {
        // 100, 150 and 120 µs per row: the median 120 µs × 5 M rows.
        PastTraining[] history = [Run(1_000_000, 100, 1), Run(2_000_000, 300, 2), Run(1_000_000, 120, 3)];

        var (seconds, source) = TrainingTimeEstimate.Estimate(5_000_000, history, secondsPerMillionRows: 999, minimumSeconds: 0);

        Assert.Equal(600, seconds, 6);
        Assert.Equal("history of 3 runs", source);
    }

    [Fact]
    public void Only_the_five_most_recent_runs_count_whatever_their_order()
    {
        // Recent runs at 1..5 s per million rows, two old ones at 100: with all seven the median would be 4.
        PastTraining[] history =
        [
            Run(1_000_000, 100, 30), Run(1_000_000, 3, 3), Run(1_000_000, 5, 5), Run(1_000_000, 100, 29),
            Run(1_000_000, 1, 1), Run(1_000_000, 4, 4), Run(1_000_000, 2, 2),
        ];

        var (seconds, source) = TrainingTimeEstimate.Estimate(2_000_000, history, 999, 0);

        Assert.Equal(6, seconds, 6);
        Assert.Equal("history of 5 runs", source);
    }

    [Fact]
    public void An_even_number_of_runs_takes_the_middle_two()
    {
        PastTraining[] history = [Run(1_000_000, 10, 1), Run(1_000_000, 20, 2)];

        Assert.Equal(15, TrainingTimeEstimate.Estimate(1_000_000, history, 999, 0).Seconds, 6);
        Assert.Equal("history of 1 run", TrainingTimeEstimate.Estimate(1_000_000, [Run(1_000_000, 10, 1)], 999, 0).Source);
    }

    [Fact]
    public void Without_history_the_dataset_size_decides()
    {
        var (seconds, source) = TrainingTimeEstimate.Estimate(2_500_000, [], secondsPerMillionRows: 40, minimumSeconds: 0);

        Assert.Equal(100, seconds, 6);
        Assert.Equal("dataset size", source);
    }

    [Fact]
    public void Runs_that_say_nothing_about_speed_are_ignored()
    {
        PastTraining[] history = [Run(0, 50, 1), Run(1_000_000, double.NaN, 2), Run(1_000_000, -3, 3)];

        Assert.Equal((100.0, "dataset size"), TrainingTimeEstimate.Estimate(2_500_000, history, 40, 0));
    }

    [Fact]
    public void Never_below_the_minimum()
    {
        Assert.Equal((60.0, "dataset size"), TrainingTimeEstimate.Estimate(1_000, [], 40, minimumSeconds: 60));
        Assert.Equal((60.0, "history of 1 run"), TrainingTimeEstimate.Estimate(1_000, [Run(1_000_000, 10, 1)], 40, minimumSeconds: 60));
    }

    [Fact]
    public void Negative_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingTimeEstimate.Estimate(-1, [], 40, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingTimeEstimate.Estimate(1, [], -40, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingTimeEstimate.Estimate(1, [], 40, double.NaN));
        Assert.Throws<ArgumentNullException>(() => TrainingTimeEstimate.Estimate(1, null!, 40, 0));
    }
}
