using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ConfigurationLoaderTests : IDisposable
{
    private readonly TempDir temp = new();
    private static readonly Dictionary<string, string?> None = [];

    [Fact]
    public void Defaults_are_the_embedded_local_setup()
    {
        var loaded = ConfigurationLoader.Load(null, None, None, temp.Path, systemFile: null);

        Assert.Equal(ComputeProviderKind.Local, loaded.Options.Provider);
        Assert.Equal(["btcusdt"], loaded.Options.Symbols);
        Assert.Equal(Path.Combine(temp.Path, ".quantlab"), loaded.Options.StoreRoot);
        Assert.Equal([1, 5, 15, 60, 300], loaded.Options.Dataset.ReturnWindows);
        Assert.Null(loaded.File);
    }

    [Fact]
    public void Flags_beat_environment_which_beats_the_file()
    {
        File.WriteAllText(temp.Combine("quantlab-ml.json"), """{ "WindowDays": 2, "Device": "cpu", "Xgboost": { "MaxDepth": 4 }, "Exchange": "bybit" }""");
        var env = new Dictionary<string, string?> { ["QUANTLAB_WindowDays"] = "3", ["QUANTLAB_Xgboost__MaxDepth"] = "5" };
        var flags = new Dictionary<string, string?> { ["WindowDays"] = "4" };

        var o = ConfigurationLoader.Load(null, env, flags, temp.Path, systemFile: null).Options;

        Assert.Equal(4, o.WindowDays);
        Assert.Equal(5, o.Xgboost.MaxDepth);
        Assert.Equal("cpu", o.Device);
        Assert.Equal("bybit", o.Exchange);
    }

    [Fact]
    public void Configured_lists_replace_the_defaults_instead_of_adding_to_them()
    {
        File.WriteAllText(temp.Combine("q.json"), """{ "Symbols": ["ETHUSDT", "solusdt"], "Dataset": { "ReturnWindows": [2, 4] } }""");

        var o = ConfigurationLoader.Load(temp.Combine("q.json"), None, None, temp.Path, systemFile: null).Options;

        Assert.Equal(["ethusdt", "solusdt"], o.Symbols);
        Assert.Equal([2, 4], o.Dataset.ReturnWindows);
    }

    [Fact]
    public void A_symbol_list_can_come_from_one_environment_variable()
    {
        var env = new Dictionary<string, string?> { ["QUANTLAB_Symbols"] = "btcusdt, ethusdt" };
        Assert.Equal(["btcusdt", "ethusdt"], ConfigurationLoader.Load(null, env, None, temp.Path, systemFile: null).Options.Symbols);
    }

    [Fact]
    public void Symbols_of_other_exchanges_are_added_under_their_exchange_and_the_home_exchange_keeps_bare_symbols()
    {
        File.WriteAllText(temp.Combine("symbols.txt"), "btcusdt\nBYBIT-solusdt  # another exchange in the list file\nbinance-ethusdt\n");
        File.WriteAllText(temp.Combine("q.json"), """{ "SymbolsFile": "symbols.txt", "Exchanges": { "okx": ["btcusdt", "ETHUSDT"], "bybit": ["solusdt"] } }""");
        var env = new Dictionary<string, string?> { ["QUANTLAB_Exchanges__kraken"] = "xbtusd" };

        var o = ConfigurationLoader.Load(temp.Combine("q.json"), env, None, temp.Path, systemFile: null).Options;

        // binance is the home exchange: "binance-ethusdt" is plain ethusdt; a market listed twice runs once.
        Assert.Equal(["btcusdt", "bybit-solusdt", "ethusdt", "kraken-xbtusd", "okx-btcusdt", "okx-ethusdt"], o.Symbols);
    }

    [Theory]
    [InlineData("""{ "Exchanges": { "bybit": [] } }""", "Exchanges:bybit lists no symbols")]
    [InlineData("""{ "Exchanges": { "by bit": ["btcusdt"] } }""", "invalid exchange")]
    [InlineData("""{ "Exchanges": { "bybit": ["btc/usdt"] } }""", "invalid symbol")]
    [InlineData("""{ "Symbols": ["by-bit-btcusdt"] }""", "invalid symbol")]
    public void Bad_exchanges_fail_at_start_with_a_message_naming_them(string json, string mentioned)
    {
        File.WriteAllText(temp.Combine("bad.json"), json);

        var ex = Assert.Throws<UsageException>(() => ConfigurationLoader.Load(temp.Combine("bad.json"), None, None, temp.Path, systemFile: null));

        Assert.Contains(mentioned, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Device": "tpu" }""", "Device")]
    [InlineData("""{ "WindowDays": 0 }""", "WindowDays")]
    [InlineData("""{ "Xgboost": { "Eta": 3 } }""", "eta")]
    [InlineData("""{ "Dataset": { "TrainFraction": 0.9 } }""", "must add up to 1")]
    [InlineData("""{ "Symbols": ["btc/usdt"] }""", "symbol")]
    [InlineData("""{ "Runtime": { "MaxRuntimeMinutes": 0 } }""", "MaxRuntimeMinutes")]
    public void Bad_values_fail_at_start_with_a_message_naming_them(string json, string mentioned)
    {
        File.WriteAllText(temp.Combine("bad.json"), json);

        var ex = Assert.Throws<UsageException>(() => ConfigurationLoader.Load(temp.Combine("bad.json"), None, None, temp.Path, systemFile: null));

        Assert.Contains(mentioned, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_config_file_that_was_asked_for_is_an_error()
    {
        var ex = Assert.Throws<UsageException>(() => ConfigurationLoader.Load("nope.json", None, None, temp.Path, systemFile: null));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_a_usage_error_not_a_crash()
    {
        File.WriteAllText(temp.Combine("broken.json"), "{ \"WindowDays\": ");
        Assert.Throws<UsageException>(() => ConfigurationLoader.Load(temp.Combine("broken.json"), None, None, temp.Path, systemFile: null));
    }

    [Fact]
    public void A_symbols_file_with_comments_and_blank_lines_replaces_the_symbols()
    {
        File.WriteAllLines(temp.Combine("night.txt"), ["# binance majors", "BTCUSDT", "", "ethusdt   # second", "  solusdt", "btcusdt"]);
        var env = new Dictionary<string, string?> { ["QUANTLAB_SymbolsFile"] = "night.txt", ["QUANTLAB_Symbols"] = "xrpusdt" };

        var o = ConfigurationLoader.Load(null, env, None, temp.Path, systemFile: null).Options;

        Assert.Equal(["btcusdt", "ethusdt", "solusdt"], o.Symbols);
    }

    [Fact]
    public void A_missing_symbols_file_or_a_bad_symbol_in_it_is_a_usage_error_naming_it()
    {
        var missing = Assert.Throws<UsageException>(() => ConfigurationLoader.Load(null, new Dictionary<string, string?> { ["QUANTLAB_SymbolsFile"] = "nope.txt" }, None, temp.Path, systemFile: null));
        Assert.Contains("nope.txt", missing.Message, StringComparison.Ordinal);

        File.WriteAllLines(temp.Combine("bad.txt"), ["btcusdt", "btc/usdt"]);
        var bad = Assert.Throws<UsageException>(() => ConfigurationLoader.Load(null, new Dictionary<string, string?> { ["QUANTLAB_SymbolsFile"] = "bad.txt" }, None, temp.Path, systemFile: null));
        Assert.Contains("btc/usdt", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_night_settings_bind_from_the_file_and_are_checked()
    {
        File.WriteAllText(temp.Combine("q.json"), """{ "Batch": { "MaxInstances": 8, "Deadline": "05:30", "PerJobOverhead": "00:00:20", "RequeueLost": false } }""");

        var batch = ConfigurationLoader.Load(temp.Combine("q.json"), None, None, temp.Path, systemFile: null).Options.Batch;

        Assert.Equal(8, batch.MaxInstances);
        Assert.Equal(new TimeOnly(5, 30), batch.Deadline);
        Assert.Equal(TimeSpan.FromSeconds(20), batch.PerJobOverhead);
        Assert.False(batch.RequeueLost);
        var env = new Dictionary<string, string?> { ["QUANTLAB_Batch__MaxInstances"] = "0" };
        Assert.Contains("Batch:MaxInstances", Assert.Throws<UsageException>(() => ConfigurationLoader.Load(null, env, None, temp.Path, systemFile: null)).Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
