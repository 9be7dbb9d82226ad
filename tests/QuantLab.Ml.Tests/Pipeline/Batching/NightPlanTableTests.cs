using QuantLab.Ml.Pipeline.Batching;
using static QuantLab.Ml.Tests.Pipeline.Batching.BatchingTestData;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

[Trait("Category", "Unit")]
public sealed class NightPlanTableTests
{
    private static NightPlan Plan(IReadOnlyList<BatchItem> items) =>
        NightPlanner.Plan(items, Rented, 3, Midnight, Midnight.AddHours(1).AddMinutes(30));

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void One_row_per_instance_count_with_the_chosen_one_marked()
    {
        var lines = Lines(NightPlanTable.Render(Plan(ThreeJobs())));

        Assert.Equal("night plan: 3 jobs, start 00:00 UTC, deadline 01:30 UTC", lines[0]);
        Assert.Equal(["INSTANCES", "WALL", "FINISHES", "COST", "$", "MEETS", "DEADLINE"], Words(lines[1]));
        Assert.Equal(["1", "2h", "25m", "02:25", "UTC", "1.49", "no"], Words(lines[2]));
        Assert.Equal(["2", "1h", "20m", "01:20", "UTC", "1.59", "yes", "<-", "chosen"], Words(lines[3]));
        Assert.Equal(["3", "1h", "15m", "01:15", "UTC", "1.69", "yes"], Words(lines[4]));
        Assert.Single(lines, l => l.Contains("<- chosen", StringComparison.Ordinal));
    }

    [Fact]
    public void The_chosen_packing_lists_each_instance_its_symbols_and_seconds_then_the_reason()
    {
        var plan = Plan(ThreeJobs());
        var lines = Lines(NightPlanTable.Render(plan));
        var packing = lines.SkipWhile(l => !l.StartsWith("chosen packing", StringComparison.Ordinal)).ToList();

        Assert.Equal("chosen packing: 2 instances", packing[0]);
        Assert.Equal(["INSTANCE", "EXPECTED", "SYMBOL", "TRAIN", "S", "ESTIMATE", "JOB"], Words(packing[1]));
        Assert.Equal(["0", "1h", "15m", "btcusdt", "3600", "dataset", "size", "job-btcusdt-20260314"], Words(packing[2]));
        Assert.Equal(["1", "1h", "20m", "ethusdt", "1800", "dataset", "size", "job-ethusdt-20260314"], Words(packing[3]));
        Assert.Equal(["solusdt", "1800", "dataset", "size", "job-solusdt-20260314"], Words(packing[4]));
        Assert.Equal("reason: " + plan.Reason, lines[^1]);
    }

    [Fact]
    public void The_same_night_renders_the_same_ascii_text()
    {
        var items = ThreeJobs();
        var text = NightPlanTable.Render(Plan(items));

        Assert.Equal(text, NightPlanTable.Render(Plan(items.Reverse().ToList())));
        Assert.All(text, ch => Assert.True(ch is '\n' or (>= ' ' and <= '~'), $"not plain ASCII: U+{(int)ch:X4}"));
    }
}
