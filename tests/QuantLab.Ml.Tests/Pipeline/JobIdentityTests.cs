using QuantLab.Ml.Configuration;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class JobIdentityTests
{
    private static readonly DateOnly Day = new(2026, 1, 15);

    [Fact]
    public void The_same_inputs_give_the_same_job_id()
    {
        var options = new QuantLabOptions();
        var a = JobPlanner.JobId("btcusdt", Day, 1, "abc", JobPlanner.ConfigHash(options));
        var b = JobPlanner.JobId("btcusdt", Day, 1, "abc", JobPlanner.ConfigHash(new QuantLabOptions()));

        Assert.Equal(a, b);
        Assert.Matches("^job-btcusdt-20260115-[0-9a-f]{12}$", a);
    }

    [Fact]
    public void Changing_the_model_config_changes_the_job_id()
    {
        var baseline = new QuantLabOptions();
        var deeper = baseline with { Xgboost = new XgboostParams { MaxDepth = 8 } };
        var longerHorizon = baseline with { Dataset = baseline.Dataset with { HorizonBars = 30 } };
        var otherDevice = baseline with { Device = "cpu" };

        var ids = new[] { baseline, deeper, longerHorizon, otherDevice }
            .Select(o => JobPlanner.JobId("btcusdt", Day, 1, "abc", JobPlanner.ConfigHash(o)))
            .ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Changing_the_data_or_window_changes_the_job_id()
    {
        var hash = JobPlanner.ConfigHash(new QuantLabOptions());
        var ids = new[]
        {
            JobPlanner.JobId("btcusdt", Day, 1, "abc", hash),
            JobPlanner.JobId("btcusdt", Day, 2, "abc", hash),
            JobPlanner.JobId("btcusdt", Day, 1, "abd", hash),
            JobPlanner.JobId("ethusdt", Day, 1, "abc", hash),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void Runtime_limits_do_not_change_what_the_job_is()
    {
        var a = new QuantLabOptions();
        var b = a with { Runtime = new RuntimeLimits { MaxRuntimeMinutes = 30 } };
        Assert.Equal(JobPlanner.ConfigHash(a), JobPlanner.ConfigHash(b));
    }
}
