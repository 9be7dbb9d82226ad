using System.Text.Json.Nodes;

namespace QuantLab.Ml.Tests.Data;

/// <summary>
/// meta.json and compacted/_state.json exactly as the production compactor writes them: every field, its type on the wire,
/// nulls, counts, day objects, failed partitions and the slices' extra objects (values are this project's own).
/// </summary>
internal static class ProducerShapes
{
    /// <summary>A full day as the compactor writes it: a count of source files, DEGRADED.</summary>
    public const string FullDayMeta = """
        {
          "rows": 234292,
          "ts_event_min": 1770076735490,
          "ts_event_max": 1770163039487,
          "sha256": "503058bca006c773e60bf4169b9936323ebfb9e08eb36dd39a289fb1c07373e4",
          "source_files": 483,
          "schema_version": 1,
          "stream_type": "bbo",
          "ordering_columns": [
            "ts_event",
            "seq"
          ],
          "day_quality": "DEGRADED",
          "post_filter_version": "1.0.0"
        }
        """;

    /// <summary>A hand-made slice: null source files, an unknown quality, an extra object.</summary>
    public const string SliceMeta = """
        {
          "rows": 4039,
          "ts_event_min": 1770145800090,
          "ts_event_max": 1770146399488,
          "sha256": "925a40e0c3fed79af5d1989282a1b42331d739265bd750fe81244f2425f8d5be",
          "source_files": null,
          "schema_version": 1,
          "stream_type": "bbo",
          "ordering_columns": [
            "ts_event",
            "seq"
          ],
          "day_quality": "DIAGNOSTIC_SLICE",
          "post_filter_version": "1.0.0",
          "diagnostic": {
            "source_parquet": "data/test/adausdt_20260203.parquet",
            "window_ts_event": {
              "startTs": 1770145800090,
              "endTs": 1770146399488
            },
            "note": "10-minute slice; file date label does not imply timestamp day"
          }
        }
        """;

    /// <summary>Every field the state writer can produce: a failed partition with a null quality and 0 rows, a quarantined one, a day object.</summary>
    public const string State = """
        {
          "last_compacted_date": "20260203",
          "updated_at": "2026-02-04T02:41:07.512345Z",
          "partitions": {
            "bybit/bbo/adausdt/20260203": {
              "status": "success",
              "day_quality_post": "DEGRADED",
              "post_filter_version": "1.0.0",
              "rows": 234292,
              "total_size_bytes": 5120394,
              "updated_at": "2026-02-04T02:39:58.100200Z"
            },
            "binance/bbo/btcusdt/20260203": {
              "status": "success",
              "day_quality_post": "GOOD",
              "post_filter_version": "1.0.0",
              "rows": 2871554,
              "total_size_bytes": 61840233,
              "updated_at": "2026-02-04T02:40:31.007700Z"
            },
            "binance/bbo/ethusdt/20260203": {
              "status": "download_failed",
              "day_quality_post": null,
              "post_filter_version": "1.0.0",
              "rows": 0,
              "total_size_bytes": 0,
              "updated_at": "2026-02-04T02:35:12.450000Z",
              "error_type": "ClientError",
              "failing_key": "exchange=binance/stream=bbo/symbol=ethusdt/date=20260203/part-0042.parquet",
              "error": "An error occurred (SlowDown) when calling the GetObject operation: Please reduce your request rate."
            },
            "okx/bbo/solusdt/20260203": {
              "status": "quarantine",
              "day_quality_post": "BAD",
              "post_filter_version": "1.0.0",
              "rows": 0,
              "total_size_bytes": 0,
              "updated_at": "2026-02-04T02:36:40.000001Z"
            }
          },
          "days": {
            "20260201": {"status": "BAD", "updated_at": "2026-02-02T02:44:10.000000Z"}
          }
        }
        """;

    /// <summary>Values of every JSON type, for fields whose type nothing relies on.</summary>
    public static readonly string[] OddValues = ["null", "42", "4.5", "\"text\"", "true", "{\"a\": {\"b\": 1}}", "[1, \"x\"]"];

    /// <summary>meta.json fields that are informational ('.' separates levels); "writer_host" is one the writer may add.</summary>
    public static readonly string[] InformationalMetaPaths =
        ["source_files", "stream_type", "post_filter_version", "diagnostic", "diagnostic.window_ts_event", "writer_host"];

    /// <summary>
    /// _state.json fields that are informational for the day of bybit adausdt 20260203: times, versions and errors
    /// everywhere, and anything at all in other partitions and other days.
    /// </summary>
    public static readonly string[] InformationalStatePaths =
    [
        "updated_at",
        "compactor_host",
        "partitions.bybit/bbo/adausdt/20260203.post_filter_version",
        "partitions.bybit/bbo/adausdt/20260203.updated_at",
        "partitions.bybit/bbo/adausdt/20260203.error_type",
        "partitions.bybit/bbo/adausdt/20260203.failing_key",
        "partitions.bybit/bbo/adausdt/20260203.error",
        "partitions.binance/bbo/btcusdt/20260203.rows",
        "partitions.binance/bbo/ethusdt/20260203.status",
        "partitions.binance/bbo/ethusdt/20260203.day_quality_post",
        "partitions.binance/bbo/ethusdt/20260203.rows",
        "partitions.binance/bbo/ethusdt/20260203.total_size_bytes",
        "partitions.binance/bbo/ethusdt/20260203.error_type",
        "partitions.binance/bbo/ethusdt/20260203.failing_key",
        "partitions.binance/bbo/ethusdt/20260203.error",
        "partitions.okx/bbo/solusdt/20260203",
        "days.20260201",
        "days.20260201.updated_at",
    ];

    /// <summary>Every path with every odd value, for a theory.</summary>
    public static TheoryData<string, string> Cases(IEnumerable<string> paths)
    {
        var data = new TheoryData<string, string>();
        foreach (var path in paths)
        {
            foreach (var value in OddValues)
            {
                data.Add(path, value);
            }
        }

        return data;
    }

    /// <summary>The document with the field at <paramref name="path"/> set to the JSON <paramref name="value"/> (added when missing).</summary>
    public static string Replace(string json, string path, string value)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                // The fixture lacks this parent (e.g. a full day has no diagnostic object): nothing to replace.
                return json;
            }

            node = child;
        }

        node[parts[^1]] = JsonNode.Parse(value);
        return root.ToJsonString();
    }
}
