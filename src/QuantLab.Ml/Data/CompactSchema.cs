using Parquet.Schema;

namespace QuantLab.Ml.Data;

/// <summary>Column names and types of data.parquet (schema_version 1).</summary>
public static class CompactSchema
{
    public const int SchemaVersion = 1;

    public const string TsEvent = "ts_event";
    public const string Seq = "seq";
    public const string TsRecv = "ts_recv";
    public const string Exchange = "exchange";
    public const string Symbol = "symbol";
    public const string Stream = "stream";
    public const string StreamVersion = "stream_version";
    public const string BidPrice = "bid_price";
    public const string BidQty = "bid_qty";
    public const string AskPrice = "ask_price";
    public const string AskQty = "ask_qty";

    /// <summary>The columns the trainer needs, with the CLR type Parquet.Net must map them to.</summary>
    public static readonly IReadOnlyList<(string Name, Type Type)> BboColumns =
    [
        (TsEvent, typeof(long)),
        (Seq, typeof(long)),
        (BidPrice, typeof(double)),
        (BidQty, typeof(double)),
        (AskPrice, typeof(double)),
        (AskQty, typeof(double)),
    ];

    /// <summary>The production schema: every column optional, as the DuckDB and Arrow writers produce it.</summary>
    internal static ParquetSchema CreateFileSchema() => new(
        new DataField<long?>(TsEvent),
        new DataField<long?>(Seq),
        new DataField<long?>(TsRecv),
        new DataField<string>(Exchange, nullable: true),
        new DataField<string>(Symbol, nullable: true),
        new DataField<string>(Stream, nullable: true),
        new DataField<sbyte?>(StreamVersion),
        new DataField<double?>(BidPrice),
        new DataField<double?>(BidQty),
        new DataField<double?>(AskPrice),
        new DataField<double?>(AskQty));
}
