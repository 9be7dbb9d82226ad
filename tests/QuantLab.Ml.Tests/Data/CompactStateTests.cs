using System.Text.Json.Nodes;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class CompactStateTests
{
    [Fact]
    public void Parses_the_state_file_as_the_compactor_writes_it()
    {
        var state = CompactState.Parse(ProducerShapes.State);

        Assert.Equal(new DateOnly(2026, 2, 3), state.LastCompacted);
        Assert.Equal("2026-02-04T02:41:07.512345Z", state.UpdatedAt);
        var ada = state.FindPartition("bybit/bbo/adausdt/20260203");
        Assert.NotNull(ada);
        Assert.Equal("success", ada.Status);
        Assert.Equal("DEGRADED", ada.DayQualityPost);
        Assert.Equal("1.0.0", ada.PostFilterVersion);
        Assert.Equal(234292, ada.Rows);
        Assert.Equal(5120394, ada.TotalSizeBytes);
        var eth = state.FindPartition("binance/bbo/ethusdt/20260203")!;
        Assert.Equal("download_failed", eth.Status);
        Assert.Null(eth.DayQualityPost);
        Assert.Equal(0, eth.Rows);
        Assert.Equal(0, eth.TotalSizeBytes);
        Assert.Equal("ClientError", eth.ErrorType);
        Assert.Equal("exchange=binance/stream=bbo/symbol=ethusdt/date=20260203/part-0042.parquet", eth.FailingKey);
        Assert.StartsWith("An error occurred (SlowDown)", eth.Error, StringComparison.Ordinal);
        Assert.Equal("BAD", state.FindPartition("okx/bbo/solusdt/20260203")!.DayQualityPost);
        var day = state.FindDay(new DateOnly(2026, 2, 1));
        Assert.Equal(new DayState { Status = "BAD", UpdatedAt = "2026-02-02T02:44:10.000000Z" }, day);
        Assert.Null(state.FindDay(new DateOnly(2026, 2, 3)));
        Assert.Null(state.FindPartition("binance/bbo/btcusdt/20260204"));
    }

    [Fact]
    public void A_day_written_as_a_bare_string_is_read_as_its_status()
    {
        var state = CompactState.Parse("""{"days": {"20260114": "success", "20260115": 3, "20260116": {"updated_at": 5}}}""");

        Assert.Equal("success", state.FindDay(new DateOnly(2026, 1, 14))!.Status);
        Assert.Equal("3", state.FindDay(new DateOnly(2026, 1, 15))!.Status);
        Assert.Null(state.FindDay(new DateOnly(2026, 1, 16))!.Status);
    }

    [Fact]
    public void Keeps_unknown_fields_and_day_objects_when_written_back()
    {
        var json = JsonNode.Parse(ProducerShapes.State)!.AsObject();
        json["compactor_host"] = "box-7";
        json["partitions"]!["bybit/bbo/adausdt/20260203"]!["attempts"] = 2;
        var state = CompactState.Parse(json.ToJsonString());

        var again = JsonNode.Parse(AllJson.Serialize(state))!;

        Assert.Equal("box-7", (string?)again["compactor_host"]);
        Assert.Equal(2, (int?)again["partitions"]!["bybit/bbo/adausdt/20260203"]!["attempts"]);
        Assert.Equal("BAD", (string?)again["days"]!["20260201"]!["status"]);
        Assert.Equal("2026-02-02T02:44:10.000000Z", (string?)again["days"]!["20260201"]!["updated_at"]);
        Assert.Null(again["partitions"]!["binance/bbo/ethusdt/20260203"]!["day_quality_post"]);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"partitions\": 12}")]
    public void A_malformed_state_file_is_an_error_naming_the_key(string json)
    {
        var ex = Assert.Throws<QuantLabException>(() => CompactState.Parse(json));

        Assert.Contains("compacted/_state.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partition_entry_that_is_not_an_object_is_kept_as_malformed_without_failing_the_file()
    {
        var state = CompactState.Parse("""{"last_compacted_date": "20260114", "partitions": {"a/b/c/20260114": "oops", "binance/bbo/btcusdt/20260114": {"status": "success"}}}""");

        Assert.Equal("\"oops\"", state.FindPartition("a/b/c/20260114")!.Malformed);
        Assert.Equal("success", state.FindPartition("binance/bbo/btcusdt/20260114")!.Status);
    }

    [Fact]
    public void A_last_compacted_date_that_is_not_a_day_is_an_error()
    {
        var ex = Assert.Throws<QuantLabException>(() => CompactState.Parse("{\"last_compacted_date\": \"2026-01-14\"}"));

        Assert.Contains("last_compacted_date", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_state_means_nothing_compacted_yet()
    {
        var state = CompactState.Parse("{}");

        Assert.Null(state.LastCompacted);
        Assert.Null(state.FindPartition("binance/bbo/btcusdt/20260114"));
    }

    [Fact]
    public void Parses_the_meta_json_of_a_full_day_with_a_source_file_count()
    {
        var meta = PartitionMeta.Parse(ProducerShapes.FullDayMeta, "x/meta.json");

        Assert.Equal(234292, meta.Rows);
        Assert.Equal(1770076735490, meta.TsEventMin);
        Assert.Equal(1770163039487, meta.TsEventMax);
        Assert.Equal(483, meta.SourceFiles);
        Assert.Equal("DEGRADED", meta.DayQuality);
        Assert.Equal(["ts_event", "seq"], meta.OrderingColumns);
        Assert.True(meta.HasChecksum);
    }

    [Fact]
    public void Parses_the_meta_json_of_a_hand_made_slice_with_null_source_files_and_a_diagnostic_object()
    {
        var meta = PartitionMeta.Parse(ProducerShapes.SliceMeta, "x/meta.json");

        Assert.Equal(4039, meta.Rows);
        Assert.Null(meta.SourceFiles);
        Assert.Equal("DIAGNOSTIC_SLICE", meta.DayQuality);
        Assert.True(meta.Extra!.ContainsKey("diagnostic"));
    }

    [Theory]
    [InlineData("\"N/A\"")]
    [InlineData("\"n/a\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void A_meta_json_without_a_real_checksum_parses_and_says_so(string sha)
    {
        var json = JsonNode.Parse(ProducerShapes.FullDayMeta)!.AsObject();
        json["sha256"] = JsonNode.Parse(sha);

        var meta = PartitionMeta.Parse(json.ToJsonString(), "x/meta.json");

        Assert.False(meta.HasChecksum);
    }

    [Fact]
    public void Source_files_given_as_a_list_count_its_entries()
    {
        var meta = PartitionMeta.Parse("""{"rows": 1, "source_files": ["raw/a.jsonl.gz", "raw/b.jsonl.gz"]}""", "x/meta.json");

        Assert.Equal(2, meta.SourceFiles);
    }

    [Theory]
    [InlineData("{\"rows\": [1]}")]
    [InlineData("{\"rows\": \"lots\"}")]
    [InlineData("{\"ts_event_min\": \"yesterday\"}")]
    [InlineData("{\"schema_version\": {\"v\": 1}}")]
    [InlineData("{\"ordering_columns\": 3}")]
    public void A_meta_json_with_an_integrity_field_of_the_wrong_type_is_an_error_naming_the_key(string json)
    {
        var ex = Assert.Throws<QuantLabException>(() => PartitionMeta.Parse(json, "exchange=x/meta.json"));

        Assert.Contains("exchange=x/meta.json", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InformationalMetaFields() => ProducerShapes.Cases(ProducerShapes.InformationalMetaPaths);

    public static TheoryData<string, string> InformationalStateFields() => ProducerShapes.Cases(ProducerShapes.InformationalStatePaths);

    [Theory]
    [MemberData(nameof(InformationalMetaFields))]
    public void Meta_json_parses_whatever_an_informational_field_holds(string path, string value)
    {
        foreach (var fixture in new[] { ProducerShapes.FullDayMeta, ProducerShapes.SliceMeta })
        {
            var json = ProducerShapes.Replace(fixture, path, value);

            var meta = PartitionMeta.Parse(json, "x/meta.json");

            Assert.Equal(JsonNode.Parse(fixture)!["rows"]!.GetValue<long>(), meta.Rows);
        }
    }

    [Theory]
    [MemberData(nameof(InformationalStateFields))]
    public void State_json_parses_whatever_an_informational_field_holds(string path, string value)
    {
        var json = ProducerShapes.Replace(ProducerShapes.State, path, value);

        var state = CompactState.Parse(json);

        Assert.Equal(new DateOnly(2026, 2, 3), state.LastCompacted);
        Assert.Equal(4, state.Partitions!.Count);
    }
}
