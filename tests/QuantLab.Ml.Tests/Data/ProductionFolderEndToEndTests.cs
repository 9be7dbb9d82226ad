using System.Text.Json;
using System.Text.Json.Nodes;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

/// <summary>
/// A data folder laid out like production, with the producer's real field types (source file counts and nulls, day objects,
/// failed partitions, an "N/A" checksum, an unknown quality, extra objects): run-daily trains its good days and gives a
/// one-line verdict for every other, with the default data-check thresholds.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProductionFolderEndToEndTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private CliRunner NewCli()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment.Remove("QUANTLAB_DataCheck__MinCoveredHours");
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        cli.Environment["QUANTLAB_Xgboost__NumBoostRound"] = "20";
        return cli;
    }

    private string File(string key) => temp.Combine("data", key);

    private static string Meta(string day) => $"exchange=binance/stream=bbo/symbol=btcusdt/date={day}/meta.json";

    private void Edit(string key, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(System.IO.File.ReadAllText(File(key)))!.AsObject();
        edit(node);
        System.IO.File.WriteAllText(File(key), node.ToJsonString());
    }

    [Fact]
    public async Task Good_days_train_to_a_candidate_and_every_other_day_gets_a_one_line_verdict()
    {
        // Five full days at one update every two seconds: every default threshold applies.
        var sample = await NewCli().RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-02-01", "--days", "5", "--hours", "24", "--rate", "0.5", "--seed", "5", "--out", "data");
        Assert.True(sample.ExitCode == ExitCodes.Ok, sample.ToString());

        Edit(CompactLayout.StateKey, state =>
        {
            // Other symbols' partitions exactly as the compactor leaves them: a download failure with null quality and 0 rows, a quarantine.
            foreach (var (key, value) in JsonNode.Parse(ProducerShapes.State)!["partitions"]!.AsObject())
            {
                if (!key.StartsWith("binance/bbo/btcusdt/", StringComparison.Ordinal))
                {
                    state["partitions"]![key] = value!.DeepClone();
                }
            }

            state["days"]!["20260202"] = new JsonObject { ["status"] = "BAD", ["updated_at"] = "2026-02-03T02:44:10.000000Z" };
            var failed = state["partitions"]!["binance/bbo/btcusdt/20260205"]!.AsObject();
            failed["status"] = "download_failed";
            failed["day_quality_post"] = null;
            failed["rows"] = 0;
            failed["total_size_bytes"] = 0;
            failed["error_type"] = "ClientError";
            failed["failing_key"] = "exchange=binance/stream=bbo/symbol=btcusdt/date=20260205/part-0042.parquet";
            failed["error"] = "An error occurred (SlowDown) when calling the GetObject operation: Please reduce your request rate.";
        });
        Edit(Meta("20260203"), meta =>
        {
            meta["sha256"] = "N/A";
            meta["source_files"] = null;
            meta["day_quality"] = "DEGRADED";
        });
        Edit(Meta("20260204"), meta =>
        {
            meta["source_files"] = null;
            meta["day_quality"] = "DIAGNOSTIC_SLICE";
            meta["diagnostic"] = JsonNode.Parse(ProducerShapes.SliceMeta)!["diagnostic"]!.DeepClone();
        });

        foreach (var day in new[] { "2026-02-01", "2026-02-03" })
        {
            var run = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", day, "--data", "data", "--store", "store", "--json");

            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            using var doc = JsonDocument.Parse(run.Stdout);
            Assert.Equal("succeeded", doc.RootElement.GetProperty("runs")[0].GetProperty("status").GetString());
            using var job = JsonDocument.Parse(System.IO.File.ReadAllText(temp.Combine("store", "models", "candidates", "btcusdt", day, "job.json")));
            var partition = Assert.Single(job.RootElement.GetProperty("partitions").EnumerateArray().ToList());
            Assert.Equal(day != "2026-02-03", partition.GetProperty("checksum_verified").GetBoolean());
        }

        var verdicts = new[]
        {
            ("2026-02-02", ExitCodes.Failed, "compacted/_state.json marks day 20260202 as BAD"),
            ("2026-02-04", ExitCodes.Failed, "day quality 'DIAGNOSTIC_SLICE' is not one this version knows"),
            ("2026-02-05", ExitCodes.Failed, "partition binance/bbo/btcusdt/20260205 has status download_failed (ClientError: An error occurred (SlowDown)"),
            ("2026-02-06", ExitCodes.DataNotReady, "compaction has reached 20260205, not 20260206"),
        };
        foreach (var (day, code, reason) in verdicts)
        {
            var run = await NewCli().RunAsync("run-daily", "--symbol", "btcusdt", "--date", day, "--data", "data", "--store", "store", "--json");

            Assert.True(run.ExitCode == code, $"{day}: {run}");
            using var doc = JsonDocument.Parse(run.Stdout);
            var result = doc.RootElement.GetProperty("runs")[0];
            Assert.Equal(code == ExitCodes.Failed ? "failed" : "not_ready", result.GetProperty("status").GetString());
            var error = result.GetProperty("error").GetString()!;
            Assert.Contains(reason, error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(temp.Combine("store", "models", "candidates", "btcusdt", day)), $"{day} was trained on");

            var check = await NewCli().RunAsync("data", "check", "--symbol", "btcusdt", "--date", day, "--data", "data");
            Assert.Equal(code, check.ExitCode);
            Assert.Contains(reason, check.Stdout, StringComparison.Ordinal);
        }
    }
}
