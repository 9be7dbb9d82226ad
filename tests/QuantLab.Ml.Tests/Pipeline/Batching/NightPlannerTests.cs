using QuantLab.Ml.Pipeline.Batching;
using static QuantLab.Ml.Tests.Pipeline.Batching.BatchingTestData;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

[Trait("Category", "Unit")]
public sealed class NightPlannerTests
{
    private static NightPlan PlanBy(int hour, int minute, int maxInstances = 3) =>
        NightPlanner.Plan(ThreeJobs(), Rented, maxInstances, Midnight, Midnight.AddHours(hour).AddMinutes(minute));

    [Fact]
    public void Costs_and_walls_match_the_hand_computed_night()
    {
        var plan = PlanBy(6, 0);

        // K=1: 600 + 3900 + 2100 + 2100 = 8700 s. K=2: 4500 + 4800 = 9300 s. K=3: 4500 + 2700 + 2700 = 9900 s.
        // Each × $0.60/h, plus 4 GB × $0.01.
        Assert.Equal([1, 2, 3], plan.Options.Select(o => o.Instances));
        Assert.Equal([8700.0, 4800.0, 4500.0], plan.Options.Select(o => o.Wall.TotalSeconds));
        Assert.Equal(1.49, plan.Options[0].CostUsd, 9);
        Assert.Equal(1.59, plan.Options[1].CostUsd, 9);
        Assert.Equal(1.69, plan.Options[2].CostUsd, 9);
        Assert.Equal(Midnight.AddSeconds(8700), plan.Options[0].FinishesAt);
        Assert.Equal(Midnight, plan.Start);
        Assert.Equal(Midnight.AddHours(6), plan.Deadline);
    }

    [Fact]
    public void One_instance_when_it_already_meets_the_deadline()
    {
        var plan = PlanBy(6, 0);

        Assert.All(plan.Options, o => Assert.True(o.MeetsDeadline));
        Assert.Equal(1, plan.Chosen.Instances);
        Assert.Equal("1 instance: the cheapest that finishes by the 06:00 UTC deadline (finishes 02:25 UTC, 3h 35m to spare)", plan.Reason);
    }

    [Fact]
    public void The_fewest_instances_that_finish_by_the_deadline_and_why_not_fewer()
    {
        var plan = PlanBy(1, 30);

        Assert.Equal([false, true, true], plan.Options.Select(o => o.MeetsDeadline));
        Assert.Equal(2, plan.Chosen.Instances);
        Assert.Equal(
            "2 instances: the cheapest that finishes by the 01:30 UTC deadline (finishes 01:20 UTC, 10m 00s to spare); 1 instance would finish 02:25 UTC, 55m 00s late",
            plan.Reason);
    }

    [Fact]
    public void Finishing_exactly_at_the_deadline_counts_as_meeting_it()
    {
        var plan = PlanBy(1, 15);

        Assert.Equal(Midnight.AddHours(1).AddMinutes(15), plan.Chosen.FinishesAt);
        Assert.True(plan.Chosen.MeetsDeadline);
        Assert.Equal(3, plan.Chosen.Instances);
    }

    [Fact]
    public void When_nothing_meets_the_deadline_the_fastest_is_chosen_and_the_miss_is_named()
    {
        var plan = PlanBy(1, 0);

        Assert.All(plan.Options, o => Assert.False(o.MeetsDeadline));
        Assert.Equal(3, plan.Chosen.Instances);
        Assert.Equal("3 instances: no option finishes by the 01:00 UTC deadline; the fastest finishes 01:15 UTC, 15m 00s late", plan.Reason);
    }

    [Fact]
    public void Never_more_options_than_the_instance_limit_or_the_jobs()
    {
        Assert.Equal([1, 2], PlanBy(1, 0, maxInstances: 2).Options.Select(o => o.Instances));
        Assert.Equal(2, PlanBy(1, 0, maxInstances: 2).Chosen.Instances);
        Assert.Equal([1, 2, 3], PlanBy(1, 0, maxInstances: 50).Options.Select(o => o.Instances));
    }

    [Fact]
    public void Equal_costs_go_to_fewer_instances()
    {
        // No setup: every packing rents the same total time, so every K costs the same to the cent and beyond.
        BatchItem[] items = [Item("a", 0.1), Item("b", 0.2), Item("c", 0.3), Item("d", 0.7), Item("e", 1.1)];
        var cost = FreeAndInstant with { DollarsPerHour = 0.37 };

        var plan = NightPlanner.Plan(items, cost, 5, Midnight, Midnight.AddSeconds(1.3));

        Assert.Single(plan.Options.Select(o => o.CostUsd).Distinct());
        Assert.Equal(2, plan.Chosen.Instances);
    }

    [Fact]
    public void A_deadline_past_midnight_of_the_next_day_says_so()
    {
        var start = Midnight.AddHours(23);

        var plan = NightPlanner.Plan(ThreeJobs(), Rented, 1, start, start.AddHours(7));

        Assert.Equal("1 instance: the cheapest that finishes by the 06:00 UTC +1d deadline (finishes 01:25 UTC +1d, 4h 35m to spare)", plan.Reason);
    }

    [Fact]
    public void Zero_jobs_or_no_instances_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NightPlanner.Plan([], Rented, 3, Midnight, Midnight.AddHours(6)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NightPlanner.Plan(ThreeJobs(), Rented, 0, Midnight, Midnight.AddHours(6)));
        Assert.Throws<ArgumentNullException>(() => NightPlanner.Plan(ThreeJobs(), null!, 3, Midnight, Midnight.AddHours(6)));
    }
}
