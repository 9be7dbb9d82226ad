using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>cron/: the cron file, the systemd units and logrotate say what README promises (00:15 UTC, flock, a wait past 02:30, logs).</summary>
[Trait("Category", "Unit")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
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
            // The wrapper writes the log itself; its stdout is left to cron, which mails it (one line, only on failure).
            Assert.Matches(@"quantlab-ml-cron --log /var/log/quantlab-ml/[a-z-]+\.log ", j.Command);
            Assert.DoesNotMatch(@"quantlab-ml-cron[^|]*>", j.Command);
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
    public void An_overlapping_nightly_run_or_reaper_exits_at_once_and_says_so_in_the_log()
    {
        foreach (var command in new[] { Job("run-daily").Command, Job("reap-orphans").Command })
        {
            Assert.Contains("flock -n -E 75 ", command, StringComparison.Ordinal);
            Assert.Matches(@"\|\| \[ \$\? -ne 75 \] \|\| echo .*>>/var/log/quantlab-ml/[a-z-]+\.log$", command);
        }
    }

    [Fact]
    public void Cron_mails_the_failures_to_MAILTO()
    {
        var (env, _) = ParseCron(Read("quantlab-ml.cron"));
        Assert.True(env.TryGetValue("MAILTO", out var mailto) && mailto.Length > 0, "no MAILTO in the cron file");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(3, true)]
    public async Task The_cron_wrapper_logs_everything_and_prints_one_line_only_when_the_run_fails(int exitCode, bool mailed)
    {
        // The wrapper as install.sh renders it, around a stand-in quantlab-ml that prints like the real one and exits as told.
        var prefix = temp.Combine("opt");
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        var fake = Path.Combine(prefix, "bin", "quantlab-ml");
        await File.WriteAllTextAsync(fake, $"""
            #!/bin/sh
            echo "2026-01-15T00:15:01Z INF Training job-btcusdt on provider local" >&2
            echo "btcusdt 2026-01-14: {(exitCode == 0 ? "SUCCEEDED" : "FAILED  (run run-20260115T001500Z-abcdef; log /x/quantlab-ml.log; quantlab-ml logs run-20260115T001500Z-abcdef)")}"
            exit {exitCode}

            """, TestContext.Current.CancellationToken);
        File.SetUnixFileMode(fake, (UnixFileMode)0b111_101_101);
        var wrapper = Path.Combine(prefix, "bin", "quantlab-ml-cron");
        await File.WriteAllTextAsync(wrapper, Read("quantlab-ml-cron").Replace("/opt/quantlab-ml", prefix, StringComparison.Ordinal).Replace("/etc/quantlab-ml", temp.Combine("etc"), StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var log = temp.Combine("run-daily.log");

        var (code, stdout) = await RunStdoutAsync("/bin/sh", wrapper, "--log", log, "run-daily", "--wait-for-data", "4h");

        Assert.Equal(exitCode, code);
        var text = await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken);
        Assert.Contains("INF Training job-btcusdt", text, StringComparison.Ordinal);
        Assert.Contains($"quantlab-ml run-daily exited {exitCode}", text, StringComparison.Ordinal);
        if (mailed)
        {
            var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"quantlab-ml run-daily failed (exit {exitCode})", line, StringComparison.Ordinal);
            Assert.Contains("run-20260115T001500Z-abcdef", line, StringComparison.Ordinal);
            Assert.EndsWith("log: " + log, line, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, stdout);
        }
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
        Assert.True(stop > QuantLab.Ml.Configuration.TimeBudget.Default.TerminationWindow, $"TimeoutStopSec {stop} is not above the termination window");
        Assert.Contains("QUANTLAB_CONFIG=/etc/quantlab-ml/quantlab-ml.json", service["Service.Environment"]);
        Assert.Equal(["-/etc/quantlab-ml/quantlab-ml.env"], service["Service.EnvironmentFile"]);
        Assert.Equal(["75"], service["Service.SuccessExitStatus"]);
    }

    [Theory]
    [InlineData("quantlab-ml.service")]
    [InlineData("quantlab-ml-reaper.service")]
    public void The_units_are_hardened_and_alert_when_they_fail(string name)
    {
        var unit = Unit(name);
        Assert.Equal(["quantlab-ml-alert@%n.service"], unit["Unit.OnFailure"]);
        foreach (var key in new[] { "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectControlGroups", "RestrictSUIDSGID" })
        {
            Assert.Equal(["yes"], unit[$"Service.{key}"]);
        }

        Assert.Equal(["strict"], unit["Service.ProtectSystem"]);
        var writable = Assert.Single(unit["Service.ReadWritePaths"]).Split(' ');
        Assert.Contains("/var/lib/quantlab-ml", writable);
        Assert.Contains("/var/log/quantlab-ml", writable);
        Assert.Contains("/run/lock", writable); // flock's lock file
        var alert = Unit("quantlab-ml-alert@.service");
        Assert.Equal(["/opt/quantlab-ml/bin/quantlab-ml notify-failure %i"], alert["Service.ExecStart"]);
    }

    [Fact]
    public async Task Systemd_accepts_the_unit_files_where_systemd_analyze_is_present()
    {
        if (SystemdAnalyze is not { } analyze)
        {
            return; // The key checks above hold everywhere; this one needs systemd's parser.
        }

        // Rendered for a prefix as install.sh does, with a stand-in program there (systemd checks that ExecStart= exists).
        var prefix = temp.Combine("opt");
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        File.Copy("/bin/true", Path.Combine(prefix, "bin", "quantlab-ml"));
        foreach (var name in new[] { "quantlab-ml.service", "quantlab-ml.timer", "quantlab-ml-reaper.service", "quantlab-ml-reaper.timer", "quantlab-ml-alert@.service" })
        {
            File.WriteAllText(temp.File(name), Read(name).Replace("/opt/quantlab-ml", prefix, StringComparison.Ordinal));
        }

        var (code, output) = await RunAsync(
            analyze, "verify", temp.File("quantlab-ml.timer"), temp.File("quantlab-ml-reaper.timer"), temp.File("quantlab-ml.service"),
            temp.File("quantlab-ml-reaper.service"), temp.File("quantlab-ml-alert@quantlab-ml.service.service"));
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

    private static async Task<(int Code, string Stdout)> RunStdoutAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = await p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (p.ExitCode, await output);
    }

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
