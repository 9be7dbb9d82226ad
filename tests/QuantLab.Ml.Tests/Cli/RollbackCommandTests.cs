using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Cli;

/// <summary>`rollback` on a folder store: one command re-points production, and says clearly when it cannot.</summary>
[Trait("Category", "Unit")]
public sealed class RollbackCommandTests : IDisposable
{
    private readonly TempDir temp = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 20, 0, 15, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StoreRoot => temp.Combine("store");

    private async Task PromoteAsync(params (DateOnly Day, string Model)[] versions)
    {
        var registry = new ModelRegistry(new FolderArtifactStore(StoreRoot), time);
        foreach (var (day, model) in versions)
        {
            var dir = temp.Combine("c-" + model);
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "model.bin"), model, Ct);
            await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), "{}", Ct);
            var candidate = await registry.PutCandidateAsync(
                "btcusdt", day, $"job-btcusdt-{day:yyyyMMdd}-0123456789ab",
                new Dictionary<string, string> { ["model.bin"] = Path.Combine(dir, "model.bin"), ["metrics.json"] = Path.Combine(dir, "metrics.json") }, Ct);
            var current = await registry.GetProductionAsync("btcusdt", Ct);
            await registry.PromoteAsync(candidate, current?.ETag, forced: false, "passed", "nightly", temp.Combine("w-" + model), Ct);
        }
    }

    private Task<CliResult> RollbackAsync(params string[] extra) =>
        new CliRunner(temp.Path).RunAsync(["rollback", "--symbol", "btcusdt", "--store", StoreRoot, .. extra]);

    [Fact]
    public async Task Rollback_to_a_named_version_restores_its_bytes_and_prints_what_changed()
    {
        await PromoteAsync((new DateOnly(2026, 1, 14), "model-one"), (new DateOnly(2026, 1, 15), "model-two"), (new DateOnly(2026, 1, 16), "model-three"));

        var result = await RollbackAsync("--to", "2026-01-14", "--reason", "drawdown alarm");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.StartsWith("btcusdt: production rolled back from 2026-01-16 to 2026-01-14", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("drawdown alarm", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("model-one", await File.ReadAllTextAsync(Path.Combine(StoreRoot, "models", "production", "btcusdt", "model.bin"), Ct));
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(StoreRoot, "models", "production", "btcusdt", "manifest.json"), Ct));
        Assert.Equal("rollback", manifest.RootElement.GetProperty("action").GetString());
        Assert.Equal(4, manifest.RootElement.GetProperty("sequence").GetInt32());
    }

    [Fact]
    public async Task A_rollback_is_announced_on_the_alert_webhook()
    {
        await PromoteAsync((new DateOnly(2026, 1, 14), "model-one"), (new DateOnly(2026, 1, 15), "model-two"));
        using var receiver = QuantLab.Ml.Tests.Operations.OpsTestKit.StartReceiver();
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Alerts__WebhookUrl"] = receiver.Url + "/hook";

        var result = await cli.RunAsync("rollback", "--symbol", "btcusdt", "--store", StoreRoot, "--reason", "bad fills");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var posted = Assert.Single(receiver.LogEntries);
        Assert.Contains("btcusdt", posted.RequestMessage.Body, StringComparison.Ordinal);
        Assert.Contains("2026-01-14", posted.RequestMessage.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_without_a_reason_still_records_one_and_goes_to_the_previous_version()
    {
        await PromoteAsync((new DateOnly(2026, 1, 14), "model-one"), (new DateOnly(2026, 1, 15), "model-two"));

        var result = await RollbackAsync("--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal("2026-01-14", doc.RootElement.GetProperty("to").GetProperty("version").GetString());
        Assert.Equal("rollback by operator", doc.RootElement.GetProperty("to").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Rollback_without_production_fails_with_one_clear_line()
    {
        var result = await RollbackAsync();

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Equal("error: btcusdt has no production model to roll back", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Rollback_to_a_version_never_promoted_changes_nothing()
    {
        await PromoteAsync((new DateOnly(2026, 1, 14), "model-one"), (new DateOnly(2026, 1, 15), "model-two"));

        var result = await RollbackAsync("--to", "2026-01-10");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("never promoted from 2026-01-10", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("model-two", await File.ReadAllTextAsync(Path.Combine(StoreRoot, "models", "production", "btcusdt", "model.bin"), Ct));
    }

    public void Dispose() => temp.Dispose();
}
