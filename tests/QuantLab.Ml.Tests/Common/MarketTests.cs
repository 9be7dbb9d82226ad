using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Tests.Common;

/// <summary>Market keys: the bare symbol on the home exchange, exchange-symbol elsewhere, one way to split, nothing else accepted.</summary>
public sealed class MarketTests
{
    [Theory]
    [InlineData("btcusdt", "binance", "binance")]
    [InlineData(" BTCUSDT ", "binance", "binance")]
    [InlineData("binance-btcusdt", "binance", "binance")]
    [InlineData("bybit-btcusdt", "binance", "bybit")]
    [InlineData("binance_us-btcusd", "binance", "binance_us")]
    public void A_key_names_one_market(string text, string home, string exchange)
    {
        var market = Market.Parse(text, home);

        Assert.Equal(exchange, market.Exchange);
        Assert.Equal(text.Trim().ToLowerInvariant().Split('-')[^1], market.Symbol);
        Assert.Equal(exchange == home ? market.Symbol : $"{exchange}-{market.Symbol}", market.KeyFor(home));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-btcusdt")]
    [InlineData("bybit-")]
    [InlineData("by-bit-btcusdt")]
    [InlineData("bybit-btc_usdt")]
    [InlineData("bybit-btc usdt")]
    [InlineData("../btcusdt")]
    public void Anything_else_is_refused_with_one_line_naming_the_form(string text)
    {
        var ex = Assert.Throws<UsageException>(() => Market.Parse(text, "binance"));

        Assert.Contains("exchange-symbol", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Throws<UsageException>(() => Market.ParseKey(text));
    }

    [Theory]
    [InlineData("job-btcusdt-20260120-55c314b108ee", "btcusdt")]
    [InlineData("job-bybit-btcusdt-20260120-ef02b0cba4b8", "bybit-btcusdt")]
    [InlineData("job-btcusdt-20260120-123456789012", "btcusdt")]
    public void Job_ids_carry_the_key_and_the_reaper_reads_it_back(string jobId, string key)
    {
        Assert.Equal(jobId, RemoteJobId.Parse(jobId));
        var parsed = RemoteJobId.KeyOf(jobId);
        Assert.NotNull(parsed);
        Assert.Equal(key, parsed.Value.Symbol);
        Assert.Equal(new DateOnly(2026, 1, 20), parsed.Value.Date);
    }
}
