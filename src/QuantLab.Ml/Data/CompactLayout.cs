using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Keys of the compact data layout: exchange=/stream=/symbol=/date= partitions and the compaction state file.</summary>
public static class CompactLayout
{
    public const string StateKey = "compacted/_state.json";
    public const string DataFileName = "data.parquet";
    public const string MetaFileName = "meta.json";

    /// <summary>exchange=binance/stream=bbo/symbol=btcusdt/date=20260115</summary>
    public static string PartitionDir(string exchange, string stream, string symbol, DateOnly date) =>
        $"exchange={ExchangeName.Parse(exchange)}/stream={ExchangeName.Parse(stream, "stream")}/symbol={SymbolName.Parse(symbol)}/date={TradingDate.Compact(date)}";

    /// <summary>Key of the day's data.parquet.</summary>
    public static string DataKey(string exchange, string stream, string symbol, DateOnly date) =>
        PartitionDir(exchange, stream, symbol, date) + "/" + DataFileName;

    /// <summary>Key of the day's meta.json.</summary>
    public static string MetaKey(string exchange, string stream, string symbol, DateOnly date) =>
        PartitionDir(exchange, stream, symbol, date) + "/" + MetaFileName;

    /// <summary>The partition's key in compacted/_state.json: binance/bbo/btcusdt/20260115.</summary>
    public static string PartitionId(string exchange, string stream, string symbol, DateOnly date) =>
        $"{ExchangeName.Parse(exchange)}/{ExchangeName.Parse(stream, "stream")}/{SymbolName.Parse(symbol)}/{TradingDate.Compact(date)}";
}
