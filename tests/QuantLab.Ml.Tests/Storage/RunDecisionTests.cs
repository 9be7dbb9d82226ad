using System.Text.Json.Nodes;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Storage;

/// <summary>
/// What a run did with its candidate is an enum in the code and "promoted", "rejected" or "skipped" in every file and
/// output: summaries written by earlier versions still read, and a summary with any other value is one clear error line.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RunDecisionTests : IDisposable
{
    private static readonly DateTimeOffset Started = new(2026, 1, 15, 0, 15, 0, TimeSpan.Zero);
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<RunDecision, string> Every => new()
    {
        { RunDecision.Promoted, "promoted" },
        { RunDecision.Rejected, "rejected" },
        { RunDecision.Skipped, "skipped" },
    };

    [Fact]
    public void Every_decision_has_its_row()
    {
        Assert.Equal(Enum.GetValues<RunDecision>().Length, Every.Count);
    }

    [Theory]
    [MemberData(nameof(Every))]
    public async Task Each_decision_is_stored_in_the_run_summary_by_its_name_and_read_back(RunDecision decision, string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new RunLog(new FolderArtifactStore(temp.Path));

        await log.WriteAsync(Summary(decision), ct);

        Assert.Equal(name, decision.Wire());
        var file = Assert.Single(Directory.GetFiles(temp.Combine("runs", "log")));
        Assert.Equal(name, (string?)JsonNode.Parse(File.ReadAllText(file))!["runs"]![0]!["decision"]);
        Assert.Equal(decision, Assert.Single(await log.ListAsync(5, ct)).Runs[0].Decision);
    }

    [Fact]
    public async Task A_run_without_a_decision_stores_null_and_reads_null()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new RunLog(new FolderArtifactStore(temp.Path));

        await log.WriteAsync(Summary(null), ct);

        var file = Assert.Single(Directory.GetFiles(temp.Combine("runs", "log")));
        Assert.Contains("\"decision\": null", File.ReadAllText(file), StringComparison.Ordinal);
        Assert.Null(Assert.Single(await log.ListAsync(5, ct)).Runs[0].Decision);
    }

    [Fact]
    public async Task A_summary_written_by_an_earlier_version_reads_and_prints_its_decisions_unchanged()
    {
        WriteSummary(temp.Combine("store"), "promoted", "rejected", "skipped", null);
        var cli = new CliRunner(temp.Path);

        var read = Assert.Single(await new RunLog(new FolderArtifactStore(temp.Combine("store"))).ListAsync(5, TestContext.Current.CancellationToken));
        var table = await cli.RunAsync("runs", "--store", temp.Combine("store"));
        var json = await cli.RunAsync("runs", "--store", temp.Combine("store"), "--json");

        Assert.Equal([RunDecision.Promoted, RunDecision.Rejected, RunDecision.Skipped, null], read.Runs.Select(r => r.Decision));
        Assert.True(table.ExitCode == 0, table.ToString());
        var rows = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(["promoted", "rejected", "skipped", "-"], rows.Select(r => Column(r, "decision", table.Stdout)));
        var entries = JsonNode.Parse(json.Stdout)!["runs"]![0]!["runs"]!.AsArray();
        Assert.Equal(["promoted", "rejected", "skipped", null], entries.Select(e => (string?)e!["decision"]));
    }

    [Fact]
    public async Task A_summary_with_an_unknown_decision_is_one_error_line_naming_the_file_and_the_field()
    {
        WriteSummary(temp.Combine("store"), "maybe");
        var cli = new CliRunner(temp.Path);

        var runs = await cli.RunAsync("runs", "--store", temp.Combine("store"));

        Assert.Equal(ExitCodes.Failed, runs.ExitCode);
        var error = Assert.Single(runs.ErrorLines);
        Assert.StartsWith("error: runs/log/20260115T001500Z-old-run.json is not valid JSON:", error, StringComparison.Ordinal);
        Assert.Contains("$.runs[0].decision", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", runs.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void A_promotion_result_is_written_by_the_same_name_in_the_run_daily_output(RunDecision decision, string name)
    {
        var result = new RunDailyResult
        {
            RunId = "run-1",
            Runs = [new SymbolRunResult { Symbol = "btcusdt", Status = RunStatus.Succeeded, Promotion = new PromotionResult { Decision = decision, Reasons = ["why"] } }],
        };

        var text = Json.Serialize(result, PipelineJson.Indented.RunDailyResult);

        Assert.Equal(name, (string?)JsonNode.Parse(text)!["runs"]![0]!["promotion"]!["decision"]);
        Assert.Equal(decision, Json.Deserialize(text, PipelineJson.Indented.RunDailyResult, "run-daily output").Runs[0].Promotion!.Decision);
        Assert.Equal(name, decision.Wire());
    }

    private static RunSummary Summary(RunDecision? decision) => new()
    {
        RunId = "run-1",
        StartedAt = Started,
        FinishedAt = Started.AddMinutes(5),
        Provider = "local",
        Host = "box",
        Runs = [new RunSummaryEntry { Symbol = "btcusdt", Status = "succeeded", Decision = decision }],
    };

    /// <summary>A summary as an earlier version wrote it, by hand: the decision is plain text in the file.</summary>
    private static void WriteSummary(string store, params string?[] decisions)
    {
        var dir = Path.Combine(store, "runs", "log");
        Directory.CreateDirectory(dir);
        var entries = decisions.Select((d, i) => new JsonObject
        {
            ["symbol"] = $"sym{i}usdt",
            ["date"] = "2026-01-14",
            ["job_id"] = null,
            ["status"] = "succeeded",
            ["decision"] = d,
            ["duration_seconds"] = 12.0,
        });
        var summary = new JsonObject
        {
            ["run_id"] = "old-run",
            ["started_at"] = "2026-01-15T00:15:00+00:00",
            ["finished_at"] = "2026-01-15T00:20:00+00:00",
            ["provider"] = "local",
            ["host"] = "box",
            ["runs"] = new JsonArray([.. entries]),
        };
        File.WriteAllText(Path.Combine(dir, "20260115T001500Z-old-run.json"), summary.ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>The text of a column of the runs table, from where its header starts.</summary>
    private static string Column(string row, string header, string table)
    {
        var start = table.Split('\n')[0].IndexOf(header, StringComparison.Ordinal);
        return row[start..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
    }
}
