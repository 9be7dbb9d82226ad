using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class ReadinessWaiterTests
{
    private static readonly ReadinessReport NotReady = new() { Status = ReadinessStatus.NotReady, Reasons = ["compaction has reached 20260114, not 20260115"] };
    private static readonly ReadinessReport Ready = new() { Status = ReadinessStatus.Ready, Reasons = ["all good"] };
    private static readonly ReadinessReport Failed = new() { Status = ReadinessStatus.Failed, Reasons = ["partition quarantined"] };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backs_off_exponentially_up_to_the_cap_and_never_sleeps_past_the_deadline()
    {
        var time = new SteppingTimeProvider();
        var checkTimes = new List<TimeSpan>();
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().CreateLogger());

        var (result, delays) = await time.RunAsync(waiter.WaitAsync(_ =>
        {
            checkTimes.Add(time.GetUtcNow() - time.Start);
            return Task.FromResult(NotReady);
        }, TimeSpan.FromMinutes(50), Ct), Ct);

        Assert.Equal([1.0, 2, 4, 8, 15, 15, 5], delays.Select(d => d.TotalMinutes));
        Assert.Equal([0.0, 1, 3, 7, 15, 30, 45, 50], checkTimes.Select(t => t.TotalMinutes));
        Assert.Equal(ReadinessStatus.NotReady, result.Report.Status);
        Assert.Equal(8, result.Checks);
        Assert.Equal(TimeSpan.FromMinutes(50), result.Waited);
    }

    [Fact]
    public async Task Stops_as_soon_as_the_data_is_ready_and_says_how_long_it_waited()
    {
        var time = new SteppingTimeProvider();
        var reports = new Queue<ReadinessReport>([NotReady, NotReady, Ready]);
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().CreateLogger());

        var (result, delays) = await time.RunAsync(waiter.WaitAsync(_ => Task.FromResult(reports.Dequeue()), TimeSpan.FromHours(4), Ct), Ct);

        Assert.Equal(ReadinessStatus.Ready, result.Report.Status);
        Assert.Equal(3, result.Checks);
        Assert.Equal(TimeSpan.FromMinutes(3), result.Waited);
        Assert.Equal(2, delays.Count);
    }

    [Fact]
    public async Task Gives_up_at_once_when_the_data_failed()
    {
        var time = new SteppingTimeProvider();
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().CreateLogger());

        var (result, delays) = await time.RunAsync(waiter.WaitAsync(_ => Task.FromResult(Failed), TimeSpan.FromHours(4), Ct), Ct);

        Assert.Equal(ReadinessStatus.Failed, result.Report.Status);
        Assert.Equal(1, result.Checks);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Without_a_wait_it_checks_once()
    {
        var time = new SteppingTimeProvider();
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().CreateLogger());

        var (result, delays) = await time.RunAsync(waiter.WaitAsync(_ => Task.FromResult(NotReady), TimeSpan.Zero, Ct), Ct);

        Assert.Equal(1, result.Checks);
        Assert.Empty(delays);
        Assert.Equal(TimeSpan.Zero, result.Waited);
    }

    [Fact]
    public async Task Uses_the_configured_initial_delay_factor_and_cap()
    {
        var time = new SteppingTimeProvider();
        var options = new ReadinessWaitOptions { InitialDelay = TimeSpan.FromSeconds(10), Factor = 3, MaxDelay = TimeSpan.FromSeconds(60) };
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().CreateLogger(), options);

        var (_, delays) = await time.RunAsync(waiter.WaitAsync(_ => Task.FromResult(NotReady), TimeSpan.FromSeconds(200), Ct), Ct);

        Assert.Equal([10.0, 30, 60, 60, 40], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task Logs_every_check_with_its_number_status_and_reasons_as_properties()
    {
        var time = new SteppingTimeProvider();
        var sink = new ListSink();
        var waiter = new ReadinessWaiter(time, new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger());
        var reports = new Queue<ReadinessReport>([NotReady, Ready]);

        await time.RunAsync(waiter.WaitAsync(_ => Task.FromResult(reports.Dequeue()), TimeSpan.FromHours(1), Ct), Ct);

        var checks = sink.Events.Where(e => e.Properties.ContainsKey("Check")).ToList();
        Assert.Equal(2, checks.Count);
        Assert.Equal("1", checks[0].Properties["Check"].ToString());
        Assert.Equal("\"not ready\"", checks[0].Properties["Status"].ToString()); // words, not the enum name (issue 23)
        Assert.Contains("compaction has reached 20260114", checks[0].Properties["Reasons"].ToString(), StringComparison.Ordinal);
        Assert.Equal("\"ready\"", checks[1].Properties["Status"].ToString());
        Assert.Contains(sink.Events, e => e.Properties.ContainsKey("Delay"));
    }

    [Fact]
    public void Rejects_nonsense_back_off_options()
    {
        Assert.Throws<UsageException>(() => new ReadinessWaiter(TimeProvider.System, new LoggerConfiguration().CreateLogger(),
            new ReadinessWaitOptions { InitialDelay = TimeSpan.Zero }));
        Assert.Throws<UsageException>(() => new ReadinessWaiter(TimeProvider.System, new LoggerConfiguration().CreateLogger(),
            new ReadinessWaitOptions { Factor = 0.5 }));
    }

    /// <summary>A fake clock that reports each timer the code under test starts, so the test can advance exactly to it.</summary>
    private sealed class SteppingTimeProvider : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> timers = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            timers.Writer.TryWrite(dueTime);
            return timer;
        }

        /// <summary>Advances time through each delay until <paramref name="task"/> completes; returns its result and the delays seen.</summary>
        public async Task<(T Result, List<TimeSpan> Delays)> RunAsync<T>(Task<T> task, CancellationToken ct)
        {
            var delays = new List<TimeSpan>();
            while (true)
            {
                var next = timers.Reader.ReadAsync(ct).AsTask();
                if (await Task.WhenAny(task, next) == task)
                {
                    return (await task, delays);
                }

                var due = await next;
                delays.Add(due);
                Advance(due);
            }
        }
    }

    private sealed class ListSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            lock (Events)
            {
                Events.Add(logEvent);
            }
        }
    }
}
