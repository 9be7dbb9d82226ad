using System.Text.Json;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>
/// A store the file system refuses (read-only, or a lock folder that is a file): run-daily says so in one error: line
/// naming the path and the cause, exits 1 as the README's table says, and with --json still prints its document.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StoreRefusalEndToEndTests : IAsyncLifetime
{
    private readonly TempDir temp = new();
    private TmpfsMount? mount;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-02-10", "--hours", "6", "--seed", "31", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (mount is not null)
        {
            await mount.DisposeAsync();
        }

        temp.Dispose();
    }

    private CliRunner NewCli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        return cli;
    }

    /// <summary>
    /// A store folder the file system refuses to write: chmod 0555 for a normal user; as root (here and in CI), where
    /// chmod stops nothing, a read-only tmpfs. Skips, saying why, where neither is possible.
    /// </summary>
    private async Task<string> ReadOnlyStoreAsync()
    {
        var path = temp.Combine("ro-store");
        if (Environment.UserName != "root" && !OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            return path;
        }

        (mount, var why) = await TmpfsMount.TryMountAsync(path, "ro,size=1m", Ct);
        if (mount is null)
        {
            Assert.Skip($"running as root, where chmod 0555 does not stop writes, and {why}");
        }

        return path;
    }

    private static void AssertNamesPathAndCause(string line, string path)
    {
        Assert.Contains(path, line, StringComparison.Ordinal);
        Assert.True(
            line.Contains("Read-only file system", StringComparison.Ordinal) || line.Contains("denied", StringComparison.Ordinal) || line.Contains("already exists", StringComparison.Ordinal),
            $"no cause in: {line}");
        Assert.DoesNotContain("unexpected", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_store_fails_in_one_line_naming_the_lock_path_and_the_cause_and_json_still_prints_the_runs()
    {
        var store = await ReadOnlyStoreAsync();
        var cli = NewCli();
        cli.Environment["QUANTLAB_WorkDir"] = temp.Combine("work");

        var result = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--data", "data", "--store", store, "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        AssertNamesPathAndCause(Assert.Single(result.ErrorLines), Path.Combine(store, "locks"));
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(ExitCodes.Failed, doc.RootElement.GetProperty("exit_code").GetInt32());
        var run = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal("failed", run.GetProperty("status").GetString());
        AssertNamesPathAndCause(run.GetProperty("error").GetString()!, Path.Combine(store, "locks"));
        Assert.False(Directory.Exists(Path.Combine(store, "models")));
    }

    [Fact]
    public async Task A_run_folder_on_a_read_only_store_fails_in_one_line_and_json_prints_a_failure_document()
    {
        var store = await ReadOnlyStoreAsync();

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--data", "data", "--store", store, "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        AssertNamesPathAndCause(error, Path.Combine(store, "runs"));
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal("run-daily", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal(ExitCodes.Failed, doc.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Equal(error, "error: " + doc.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_lock_folder_that_is_a_file_fails_in_one_line_naming_it_and_json_still_prints_the_runs()
    {
        // Runs everywhere, root or not: the lock cannot be written because its folder's name is taken by a file.
        var store = temp.Combine("store");
        Directory.CreateDirectory(store);
        await File.WriteAllTextAsync(Path.Combine(store, "locks"), "not a folder", Ct);

        var result = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-02-10", "--data", "data", "--store", store, "--json");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        AssertNamesPathAndCause(Assert.Single(result.ErrorLines), Path.Combine(store, "locks"));
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal("failed", Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray().ToList()).GetProperty("status").GetString());
        Assert.False(Directory.Exists(Path.Combine(store, "models")));
    }
}
