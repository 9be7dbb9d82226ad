using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Tests.Data;

[Trait("Category", "Unit")]
public sealed class CompactStateTests
{
    private const string ProductionLikeState = """
        {
          "last_compacted_date": "20260114",
          "compactor_host": "box-7",
          "partitions": {
            "binance/bbo/btcusdt/20260114": {
              "status": "success", "day_quality_post": "DEGRADED", "post_filter_version": 3,
              "rows": 1234567, "total_size_bytes": 45678901, "updated_at": "2026-01-15T02:41:07Z",
              "error_type": null, "error": null, "attempts": 2
            },
            "bybit/bbo/adausdt/20260114": {
              "status": "quarantine", "rows": 0, "error_type": "SchemaMismatch", "error": "column bid_qty missing"
            }
          },
          "days": { "20260114": "success" }
        }
        """;

    [Fact]
    public void Parses_the_state_file_and_ignores_fields_it_does_not_know()
    {
        var state = CompactState.Parse(ProductionLikeState);

        Assert.Equal(new DateOnly(2026, 1, 14), state.LastCompacted);
        var btc = state.FindPartition("binance/bbo/btcusdt/20260114");
        Assert.NotNull(btc);
        Assert.Equal("success", btc.Status);
        Assert.Equal("DEGRADED", btc.DayQualityPost);
        Assert.Equal("3", btc.PostFilterVersion);
        Assert.Equal(1234567, btc.Rows);
        Assert.Equal(45678901, btc.TotalSizeBytes);
        Assert.Equal("SchemaMismatch", state.FindPartition("bybit/bbo/adausdt/20260114")!.ErrorType);
        Assert.Null(state.FindPartition("binance/bbo/btcusdt/20260115"));
        Assert.Equal("success", state.Days!["20260114"]);
    }

    [Fact]
    public void Keeps_unknown_fields_when_written_back()
    {
        var state = CompactState.Parse(ProductionLikeState);

        var again = Json.Serialize(state);

        Assert.Contains("\"compactor_host\": \"box-7\"", again, StringComparison.Ordinal);
        Assert.Contains("\"attempts\": 2", again, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"partitions\": {\"a\": {\"rows\": \"many\"}}}")]
    public void A_malformed_state_file_is_an_error_naming_the_key(string json)
    {
        var ex = Assert.Throws<QuantLabException>(() => CompactState.Parse(json));

        Assert.Contains("compacted/_state.json", ex.Message, StringComparison.Ordinal);
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
    public void Parses_meta_json_leniently()
    {
        var meta = PartitionMeta.Parse("""
            {"rows": 4039, "ts_event_min": 1770145800090, "ts_event_max": 1770146399488, "sha256": "ab12",
             "source_files": ["raw/a.jsonl.gz"], "schema_version": 1, "stream_type": "bbo",
             "ordering_columns": ["ts_event", "seq"], "day_quality": "GOOD", "post_filter_version": "v2", "writer": "duckdb"}
            """, "x/meta.json");

        Assert.Equal(4039, meta.Rows);
        Assert.Equal(1770145800090, meta.TsEventMin);
        Assert.Equal("GOOD", meta.DayQuality);
        Assert.Equal(["ts_event", "seq"], meta.OrderingColumns);
    }

    [Fact]
    public void A_malformed_meta_json_is_an_error_naming_the_key()
    {
        var ex = Assert.Throws<QuantLabException>(() => PartitionMeta.Parse("{\"rows\": [1]}", "exchange=x/meta.json"));

        Assert.Contains("exchange=x/meta.json", ex.Message, StringComparison.Ordinal);
    }
}
