using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>cron/: the cron file, the systemd units and logrotate say what README promises (00:15 UTC, flock, a wait past 02:30, logs).</summary>
[Trait("Category", "Unit")]
public sealed partial class ScheduleFilesTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 14, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir temp = new();

    [GeneratedRegex(@"^([A-Z_]+)=(.*)$")]
    private static partial Regex EnvLine();

    private static string Read(string name) => File.ReadAllText(OpsTestKit.RepoFile("cron", name));

    private sealed record CronJob(string Schedule, string User, string Command);

    /// <summary>Parses an /etc/cron.d file: environment lines and "m h dom mon dow user command" lines; fails on anything else.</summary>
    private static (Dictionary<string, string> Env, List<CronJob> Jobs) ParseCron(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal); // cron ignores a last line without a newline
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var jobs = new List<CronJob>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (EnvLine().Match(line) is { Success: true } e)
            {
                env[e.Groups[1].Value] = e.Groups[2].Value;
                continue;
            }

            var fields = line.Split(' ', 7, StringSplitOptions.RemoveEmptyEntries);
            Assert.True(fields.Length == 7, $"not a cron.d job line: {line}");
            jobs.Add(new CronJob(string.Join(' ', fields[..5]), fields[5], fields[6]));
        }

        return (env, jobs);
    }

    private static CronJob Job(string command) => Assert.Single(ParseCron(Read("quantlab-ml.cron")).Jobs, j => j.Command.Contains(command, StringComparison.Ordinal));

    [Fact]
    public void The_nightly_cron_line_fires_at_00_15_UTC_every_day()
    {
        var (env, _) = ParseCron(Read("quantlab-ml.cron"));
        Assert.Equal("UTC", env["CRON_TZ"]);
        Assert.Equal("UTC", env["TZ"]);
        var nightly = Job("run-daily");

        var cron = CronExpression.Parse(nightly.Schedule);
        var next = cron.GetOccurrences(Noon.UtcDateTime, Noon.UtcDateTime.AddDays(3), TimeZoneInfo.Utc).ToList();

        Assert.Equal([new DateTime(2026, 1, 15, 0, 15, 0, DateTimeKind.Utc), new DateTime(2026, 1, 16, 0, 15, 0, DateTimeKind.Utc), new DateTime(2026, 1, 17, 0, 15, 0, DateTimeKind.Utc)], next);
        Assert.Equal("quantlab-ml", nightly.User);
    }

    [Fact]
    public void The_nightly_run_waits_past_the_02_30_compaction_with_an_hour_to_spare()
    {
        var wait = Regex.Match(Job("run-daily").Command, @"--wait-for-data (\S+)");
        Assert.True(wait.Success);

        var until = TimeSpan.FromMinutes(15) + Durations.Parse(wait.Groups[1].Value, "--wait-for-data");

        Assert.True(until >= new TimeSpan(3, 30, 0), $"waits only until {until}");
    }

    [Fact]
    public void Both_jobs_are_wrapped_in_flock_with_their_own_lock_and_log_to_var_log()
    {
        var nightly = Job("run-daily");
        var reaper = Job("reap-orphans");
        var locks = new[] { nightly, reaper }.Select(j =>
        {
            var m = Regex.Match(j.Command, @"^flock -n (?:-E \d+ )?(/run/lock/\S+\.lock) ");
            Assert.True(m.Success, $"not wrapped in flock -n: {j.Command}");
            Assert.Matches(@">>/var/log/quantlab-ml/[a-z-]+\.log 2>&1", j.Command);
            Assert.DoesNotContain("%", j.Command, StringComparison.Ordinal); // cron turns % into newlines
            return m.Groups[1].Value;
        }).ToList();

        Assert.Equal(2, locks.Distinct().Count());
        var hours = CronExpression.Parse(reaper.Schedule).GetOccurrences(Noon.UtcDateTime, Noon.UtcDateTime.AddHours(3), TimeZoneInfo.Utc).ToList();
        Assert.Equal(3, hours.Count);
        Assert.All(hours.Zip(hours.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
    }

    [Fact]
    public async Task Every_cron_command_and_the_wrapper_are_valid_shell()
    {
        var scripts = ParseCron(Read("quantlab-ml.cron")).Jobs.Select(j => j.Command).Append(Read("quantlab-ml-cron")).ToList();
        foreach (var script in scripts)
        {
            var path = temp.File($"check-{Guid.NewGuid():N}.sh");
            await File.WriteAllTextAsync(path, script + "\n", TestContext.Current.CancellationToken);
            var (code, error) = await RunAsync("/bin/sh", "-n", path);
            Assert.True(code == 0, $"sh -n: {error}\n{script}");
        }
    }

    [Fact]
    public void An_overlapping_nightly_run_exits_at_once_and_says_so_in_the_log()
    {
        var command = Job("run-daily").Command;
        Assert.Contains("flock -n -E 75 ", command, StringComparison.Ordinal);
        Assert.Contains("|| [ $? -ne 75 ] || echo ", command, StringComparison.Ordinal);
    }

    private static Dictionary<string, List<string>> Unit(string name)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? section = null;
        foreach (var line in Read(name).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith('['))
            {
                Assert.EndsWith("]", line, StringComparison.Ordinal);
                section = line[1..^1];
                continue;
            }

            Assert.True(section is not null && line.Contains('=', StringComparison.Ordinal), $"{name}: not a key=value line in a section: {line}");
            var key = $"{section}.{line[..line.IndexOf('=', StringComparison.Ordinal)]}";
            keys.TryAdd(key, []);
            keys[key].Add(line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        }

        return keys;
    }

    [Fact]
    public async Task The_timer_fires_at_00_15_UTC_and_catches_up_a_missed_night_at_boot()
    {
        var timer = Unit("quantlab-ml.timer");
        Assert.Equal(["*-*-* 00:15:00 UTC"], timer["Timer.OnCalendar"]);
        Assert.Equal(["true"], timer["Timer.Persistent"]);
        Assert.Equal(["quantlab-ml.service"], timer["Timer.Unit"]);
        Assert.Equal(["timers.target"], timer["Install.WantedBy"]);

        if (SystemdAnalyze is { } analyze)
        {
            // systemd's own parser, where present: the next elapse is at 00:15:00 UTC.
            var (code, output) = await RunAsync(analyze, "calendar", timer["Timer.OnCalendar"][0]);
            Assert.True(code == 0, output);
            Assert.Matches(@"Next elapse: \w{3} \d{4}-\d\d-\d\d 00:15:00 UTC", output);
        }
    }

    [Fact]
    public async Task The_reaper_timer_is_hourly()
    {
        var timer = Unit("quantlab-ml-reaper.timer");
        Assert.Equal(["quantlab-ml-reaper.service"], timer["Timer.Unit"]);
        Assert.Contains("reap-orphans", Unit("quantlab-ml-reaper.service")["Service.ExecStart"][0], StringComparison.Ordinal);
        if (SystemdAnalyze is { } analyze)
        {
            var (code, output) = await RunAsync(analyze, "calendar", "--iterations=2", timer["Timer.OnCalendar"][0]);
            Assert.True(code == 0, output);
            var times = Regex.Matches(output, @"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC").Select(m => DateTime.ParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(TimeSpan.FromHours(1), times[1] - times[0]);
            Assert.Equal(5, times[0].Minute);
        }
        else
        {
            Assert.Equal(["*-*-* *:05:00 UTC"], timer["Timer.OnCalendar"]);
        }
    }

    [Fact]
    public void The_service_locks_like_cron_and_gives_a_stopped_run_time_to_destroy_its_machine()
    {
        var service = Unit("quantlab-ml.service");
        var exec = Assert.Single(service["Service.ExecStart"]);
        Assert.Matches(@"^/usr/bin/flock -n (-E 75 )?/run/lock/quantlab-ml\.lock \S+/quantlab-ml run-daily --wait-for-data \S+$", exec);
        Assert.Equal(["oneshot"], service["Service.Type"]);
        var stop = TimeSpan.FromSeconds(int.Parse(Assert.Single(service["Service.TimeoutStopSec"]), CultureInfo.InvariantCulture));
        Assert.True(stop > QuantLab.Ml.Pipeline.TimeBudget.Default.TerminationWindow, $"TimeoutStopSec {stop} is not above the termination window");
        Assert.Contains("QUANTLAB_CONFIG=/etc/quantlab-ml/quantlab-ml.json", service["Service.Environment"]);
        Assert.Equal(["-/etc/quantlab-ml/quantlab-ml.env"], service["Service.EnvironmentFile"]);
    }

    [Fact]
    public async Task Systemd_accepts_the_unit_files_where_systemd_analyze_is_present()
    {
        if (SystemdAnalyze is not { } analyze)
        {
            return; // The key checks above hold everywhere; this one needs systemd's parser.
        }

        foreach (var name in new[] { "quantlab-ml.service", "quantlab-ml.timer", "quantlab-ml-reaper.service", "quantlab-ml-reaper.timer" })
        {
            File.Copy(OpsTestKit.RepoFile("cron", name), temp.File(name));
        }

        var (code, output) = await RunAsync(analyze, "verify", temp.File("quantlab-ml.timer"), temp.File("quantlab-ml-reaper.timer"));
        Assert.True(code == 0 && !output.Contains("quantlab-ml", StringComparison.Ordinal), output);
    }

    [Fact]
    public void Logrotate_rotates_the_cron_logs()
    {
        var text = Read("logrotate");
        Assert.Matches(@"(?m)^/var/log/quantlab-ml/\*\.log \{$", text);
        Assert.Matches(@"(?m)^\s+rotate \d+$", text);
        Assert.Matches(@"(?m)^\s+su quantlab-ml quantlab-ml$", text);
        Assert.Equal(text.Count(c => c == '{'), text.Count(c => c == '}'));
    }

    private static string? SystemdAnalyze =>
        new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (p.ExitCode, output + error);
    }

    public void Dispose() => temp.Dispose();
}
