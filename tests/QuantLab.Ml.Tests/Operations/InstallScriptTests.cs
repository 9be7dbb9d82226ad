using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>
/// scripts/install.sh for real, into a temporary prefix: publish, trainer beside the executable, configuration kept, env
/// file private, cron schedule rendered for this install, then --uninstall. ReadyToRun is skipped to stay near a minute
/// on two cores (the R2R build is the same publish with one more property).
/// </summary>
[Trait("Category", "Integration")]
[UnsupportedOSPlatform("windows")]
public sealed class InstallScriptTests : IDisposable
{
    private readonly TempDir temp = new();

    [Fact]
    public async Task Installs_a_working_quantlab_ml_into_a_prefix_and_uninstalls_it()
    {
        var prefix = temp.Combine("opt");
        var etc = temp.Combine("etc");
        Directory.CreateDirectory(etc);
        const string OwnConfig = """{ "Symbols": ["ethusdt"], "DataRoot": "/srv/compact" }""";
        await File.WriteAllTextAsync(Path.Combine(etc, "quantlab-ml.json"), OwnConfig, TestContext.Current.CancellationToken);
        var user = Environment.UserName;

        var install = await RunAsync(
            Script, "--prefix", prefix, "--bindir", temp.Combine("bin"), "--etc", etc, "--state", temp.Combine("state"), "--logdir", temp.Combine("log"),
            "--user", user, "--schedule", "cron", "--cron-dir", temp.Combine("cron.d"), "--logrotate-dir", temp.Combine("logrotate.d"), "--no-ready-to-run");
        Assert.True(install.Code == 0, install.Output);

        // The symlink on PATH runs the single file, and the trainer sits beside the real executable.
        var version = await RunAsync(temp.Combine("bin", "quantlab-ml"), "--version");
        Assert.True(version.Code == 0, version.Output);
        Assert.Matches(@"^quantlab-ml \d+\.\d+\.\d+\S* \(commit [0-9a-f]{12}\)", version.Output);
        Assert.True(File.Exists(Path.Combine(prefix, "bin", "trainer", "quantlab_trainer", "__main__.py")));
        Assert.False(File.Exists(Path.Combine(prefix, "bin", "quantlab-ml.dll")), "not a single-file build");

        // An existing configuration is never overwritten; the secrets file is private.
        Assert.Equal(OwnConfig, await File.ReadAllTextAsync(Path.Combine(etc, "quantlab-ml.json"), TestContext.Current.CancellationToken));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(etc, "quantlab-ml.env")));

        // The cron wrapper loads the env file and the installed configuration, and finds the trainer through the symlinked install.
        await File.AppendAllTextAsync(Path.Combine(etc, "quantlab-ml.env"), "QUANTLAB_WindowDays=3\n", TestContext.Current.CancellationToken);
        var check = await RunAsync(Path.Combine(prefix, "bin", "quantlab-ml-cron"), "config", "check", "--json");
        Assert.Contains("=== ", check.Output, StringComparison.Ordinal);
        using (var report = JsonDocument.Parse(check.Stdout))
        {
            var values = report.RootElement.GetProperty("values").EnumerateArray().ToDictionary(v => v.GetProperty("key").GetString()!, v => v);
            Assert.Equal("ethusdt", values["Symbols"].GetProperty("value").GetString());
            Assert.Equal("env QUANTLAB_WindowDays", values["WindowDays"].GetProperty("source").GetString());
            var trainer = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "trainer package");
            Assert.Equal("ok", trainer.GetProperty("status").GetString());
        }

        // The schedule is rendered for this install: its user, its wrapper, its logs.
        var cron = await File.ReadAllTextAsync(temp.Combine("cron.d", "quantlab-ml"), TestContext.Current.CancellationToken);
        Assert.Contains($"15 0 * * * {user} flock -n -E 75 /run/lock/quantlab-ml.lock {prefix}/bin/quantlab-ml-cron --log ", cron, StringComparison.Ordinal);
        Assert.Contains($"quantlab-ml-cron --log {temp.Combine("log")}/run-daily.log run-daily", cron, StringComparison.Ordinal);

        var uninstall = await RunAsync(Script, "--uninstall", "--prefix", prefix);
        Assert.True(uninstall.Code == 0, uninstall.Output);
        Assert.False(Directory.Exists(Path.Combine(prefix, "bin")));
        Assert.False(File.Exists(temp.Combine("bin", "quantlab-ml")) || Directory.Exists(temp.Combine("bin", "quantlab-ml")));
        Assert.False(File.Exists(temp.Combine("cron.d", "quantlab-ml")));
        Assert.True(File.Exists(Path.Combine(etc, "quantlab-ml.json")), "uninstall without --purge keeps the configuration");
    }

    /// <summary>
    /// Issue 23: --prefix alone installs like a package under DIR and nowhere else (no /etc, /var, /usr/local/bin, no user),
    /// with completion, one progress line per step, no .pdb; --uninstall keeps configuration and state, --purge removes them.
    /// </summary>
    [Fact]
    public async Task A_prefix_install_touches_nothing_outside_the_prefix_and_uninstall_keeps_config_and_state_unless_purged()
    {
        string[] watched =
        [
            "/etc", "/var/lib", "/var/log", "/usr/local/bin", "/etc/cron.d", "/etc/systemd/system", "/etc/logrotate.d", "/etc/tmpfiles.d",
            "/usr/share/bash-completion/completions", "/usr/local/share/zsh/site-functions", "/opt",
        ];
        static List<string> Ours(string[] dirs) => dirs.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFileSystemEntries(d).Where(e => Path.GetFileName(e).Contains("quantlab", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal).ToList();
        var before = Ours(watched);
        var passwd = await File.ReadAllTextAsync("/etc/passwd", TestContext.Current.CancellationToken);
        var prefix = temp.Combine("pkg");

        var install = await RunAsync(Script, "--prefix", prefix, "--schedule", "cron", "--no-ready-to-run");

        Assert.True(install.Code == 0, install.Output);
        Assert.Equal(before, Ours(watched));
        Assert.Equal(passwd, await File.ReadAllTextAsync("/etc/passwd", TestContext.Current.CancellationToken));
        for (var step = 1; step <= 8; step++)
        {
            Assert.Contains($"[{step}/8]", install.Output, StringComparison.Ordinal);
        }

        var manifest = await File.ReadAllLinesAsync(Path.Combine(prefix, ".install-manifest"), TestContext.Current.CancellationToken);
        Assert.All(manifest, line => Assert.StartsWith(prefix + "/", line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(prefix, "*.pdb", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(prefix, "share", "bash-completion", "completions", "quantlab-ml")));
        Assert.True(File.Exists(Path.Combine(prefix, "share", "zsh", "site-functions", "_quantlab-ml")));
        var config = await File.ReadAllTextAsync(Path.Combine(prefix, "etc", "quantlab-ml.json"), TestContext.Current.CancellationToken);
        Assert.Contains($"\"StoreRoot\": \"{prefix}/var/store\"", config, StringComparison.Ordinal);
        var cron = await File.ReadAllTextAsync(Path.Combine(prefix, "etc", "cron.d", "quantlab-ml"), TestContext.Current.CancellationToken);
        Assert.Contains($"{prefix}/bin/quantlab-ml-cron --log {prefix}/log/run-daily.log run-daily", cron, StringComparison.Ordinal);
        var version = await RunAsync(Path.Combine(prefix, "bin", "quantlab-ml"), "--version");
        Assert.True(version.Code == 0, version.Output);

        // A model in the store and an edited configuration survive a plain uninstall.
        var model = Path.Combine(prefix, "var", "store", "models", "btcusdt", "model.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        await File.WriteAllTextAsync(model, "model", TestContext.Current.CancellationToken);
        var uninstall = await RunAsync(Script, "--uninstall", "--prefix", prefix);
        Assert.True(uninstall.Code == 0, uninstall.Output);
        Assert.False(Directory.Exists(Path.Combine(prefix, "bin")));
        Assert.False(File.Exists(Path.Combine(prefix, "share", "bash-completion", "completions", "quantlab-ml")));
        Assert.False(File.Exists(Path.Combine(prefix, "etc", "cron.d", "quantlab-ml")));
        Assert.True(File.Exists(model));
        Assert.True(File.Exists(Path.Combine(prefix, "etc", "quantlab-ml.json")));

        var purge = await RunAsync(Script, "--uninstall", "--purge", "--prefix", prefix);
        Assert.True(purge.Code == 0, purge.Output);
        Assert.False(Directory.Exists(prefix), string.Join("\n", Directory.Exists(prefix) ? Directory.EnumerateFileSystemEntries(prefix, "*", SearchOption.AllDirectories) : []));
        Assert.Equal(before, Ours(watched));
    }

    /// <summary>
    /// The Native AOT build the default install makes when clang is there: about two minutes of compiling on two cores, so
    /// only with QUANTLAB_TEST_AOT=1 (the startup group of scripts/bench.sh runs the same publish every time).
    /// </summary>
    [Fact]
    public async Task The_native_AOT_install_runs_real_commands_with_the_trainer_beside_it()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("QUANTLAB_TEST_AOT") == "1", "set QUANTLAB_TEST_AOT=1 to compile the Native AOT build (about 2 minutes)");
        var prefix = temp.Combine("opt");
        var etc = temp.Combine("etc");
        var install = await RunAsync(
            Script, "--prefix", prefix, "--bindir", temp.Combine("bin"), "--etc", etc, "--state", temp.Combine("state"), "--logdir", temp.Combine("log"),
            "--user", Environment.UserName, "--aot");
        Assert.True(install.Code == 0, install.Output);
        Assert.Contains("(Native AOT)", install.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(prefix, "bin", "quantlab-ml.dll")), "not an AOT build");
        Assert.Empty(Directory.GetFiles(Path.Combine(prefix, "bin"), "*.dbg"));
        Assert.True(File.Exists(Path.Combine(prefix, "bin", "trainer", "quantlab_trainer", "__main__.py")));

        var store = temp.Combine("empty-store");
        Directory.CreateDirectory(store);
        var runs = await RunAsync(Path.Combine(prefix, "bin", "quantlab-ml"), "runs", "--store", store, "--json");
        Assert.True(runs.Code == 0, runs.Output);
        Assert.Equal(0, JsonDocument.Parse(runs.Stdout).RootElement.GetProperty("runs").GetArrayLength());

        var check = await RunAsync(Path.Combine(prefix, "bin", "quantlab-ml"), "config", "check", "--json", "--config", Path.Combine(etc, "quantlab-ml.json"));
        using var report = JsonDocument.Parse(check.Stdout);
        Assert.True(report.RootElement.GetProperty("values").GetArrayLength() > 50, check.Stdout);
        var statuses = report.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.All(statuses, s => Assert.Contains(s, new[] { "ok", "warn", "fail", "skipped" }));

        var uninstall = await RunAsync(Script, "--uninstall", "--prefix", prefix);
        Assert.True(uninstall.Code == 0, uninstall.Output);
    }

    private static string Script => Path.Combine(TestEnvironment.RepoRoot, "scripts", "install.sh");

    private static async Task<(int Code, string Output, string Stdout)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (p.ExitCode, await stdout + await stderr, await stdout);
    }

    public void Dispose() => temp.Dispose();
}
