using System.Text.Json.Nodes;
using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

/// <summary>
/// A day whose meta.json and _state.json have the producer's exact shape (counts, nulls, day objects, failed partitions of
/// other symbols) is ready, and stays ready whatever an informational field holds.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ProducerShapedReadinessTests : IClassFixture<ProducerShapedReadinessTests.Folder>
{
    private static readonly DateOnly Day = new(2026, 2, 3);
    private readonly Folder folder;

    public ProducerShapedReadinessTests(Folder folder) => this.folder = folder;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> MetaCases() => ProducerShapes.Cases(ProducerShapes.InformationalMetaPaths);

    public static TheoryData<string, string> StateCases() => ProducerShapes.Cases(ProducerShapes.InformationalStatePaths);

    [Fact]
    public async Task A_day_in_the_producers_exact_shape_is_ready_and_flagged_degraded()
    {
        var report = await folder.CheckAsync(folder.Meta, folder.State, Ct);

        Assert.True(report.IsReady, string.Join(" | ", report.Reasons));
        Assert.True(report.Degraded);
    }

    [Theory]
    [MemberData(nameof(MetaCases))]
    public async Task Meta_json_with_any_value_in_an_informational_field_leaves_the_day_ready(string path, string value)
    {
        var report = await folder.CheckAsync(ProducerShapes.Replace(folder.Meta, path, value), folder.State, Ct);

        Assert.True(report.IsReady, $"{path} = {value}: {string.Join(" | ", report.Reasons)}");
    }

    [Theory]
    [MemberData(nameof(StateCases))]
    public async Task State_json_with_any_value_in_an_informational_field_leaves_the_day_ready(string path, string value)
    {
        var report = await folder.CheckAsync(folder.Meta, ProducerShapes.Replace(folder.State, path, value), Ct);

        Assert.True(report.IsReady, $"{path} = {value}: {string.Join(" | ", report.Reasons)}");
    }

    /// <summary>One real bybit adausdt day written once; its meta.json and state are the producer's templates filled with its numbers.</summary>
    public sealed class Folder : IAsyncLifetime
    {
        private readonly TempDir dir = new();

        public string Meta { get; private set; } = "";

        public string State { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            var written = await SampleDataWriter.WriteAsync(
                dir.Path, DataTestFiles.Small(from: Day) with { Symbol = "adausdt", Exchange = "bybit" }, CancellationToken.None);
            var partition = written.Partitions[0];
            var columns = await CompactParquetReader.ReadAsync(dir.File(partition.Key), CancellationToken.None);
            var meta = JsonNode.Parse(ProducerShapes.FullDayMeta)!.AsObject();
            meta["rows"] = partition.Rows;
            meta["sha256"] = partition.Sha256;
            meta["ts_event_min"] = columns.TsEvent[0];
            meta["ts_event_max"] = columns.TsEvent[^1];
            Meta = meta.ToJsonString();
            var state = JsonNode.Parse(ProducerShapes.State)!.AsObject();
            var entry = state["partitions"]!["bybit/bbo/adausdt/20260203"]!;
            entry["rows"] = partition.Rows;
            entry["total_size_bytes"] = partition.SizeBytes;
            State = state.ToJsonString();
        }

        public async Task<ReadinessReport> CheckAsync(string meta, string state, CancellationToken ct)
        {
            await File.WriteAllTextAsync(dir.File(CompactLayout.MetaKey("bybit", "bbo", "adausdt", Day)), meta, ct);
            await File.WriteAllTextAsync(dir.File(CompactLayout.StateKey), state, ct);
            return await ReadinessChecker.CheckAsync(new FolderDataSource(dir.Path), "bybit", "bbo", "adausdt", Day, DataTestFiles.SmallDayChecks, ct);
        }

        public ValueTask DisposeAsync()
        {
            dir.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
