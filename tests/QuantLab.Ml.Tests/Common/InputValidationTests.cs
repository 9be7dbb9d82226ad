using QuantLab.Ml.Common;

namespace QuantLab.Ml.Tests.Common;

[Trait("Category", "Unit")]
public sealed class InputValidationTests
{
    [Theory]
    [InlineData("BTCUSDT", "btcusdt")]
    [InlineData(" ethusdt ", "ethusdt")]
    [InlineData("1000pepeusdt", "1000pepeusdt")]
    public void Symbols_are_lower_cased(string input, string expected) => Assert.Equal(expected, SymbolName.Parse(input));

    [Theory]
    [InlineData("btc-usdt")]
    [InlineData("btc;rm -rf /")]
    [InlineData("$(reboot)")]
    [InlineData("../../etc")]
    [InlineData("b")]
    [InlineData("averyveryverylongsymbolname")]
    [InlineData("")]
    public void Symbols_that_could_reach_a_path_or_shell_are_rejected_with_one_line(string input)
    {
        var ex = Assert.Throws<UsageException>(() => SymbolName.Parse(input));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.StartsWith("invalid symbol", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("20260115")]
    [InlineData("2026-01-15")]
    public void Dates_are_accepted_in_both_forms(string input) => Assert.Equal(new DateOnly(2026, 1, 15), TradingDate.Parse(input));

    [Theory]
    [InlineData("2026/01/15")]
    [InlineData("20261315")]
    [InlineData("yesterday")]
    public void Other_date_forms_are_rejected(string input) => Assert.Throws<UsageException>(() => TradingDate.Parse(input));

    [Fact]
    public void Yesterday_comes_from_the_clock_in_utc()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 15, 0, TimeSpan.FromHours(5)));
        Assert.Equal(new DateOnly(2026, 2, 27), TradingDate.YesterdayUtc(time));
    }

    [Theory]
    [InlineData("4h", 4 * 60)]
    [InlineData("90m", 90)]
    [InlineData("1h30m", 90)]
    [InlineData("00:45:00", 45)]
    public void Durations_read_like_an_operator_writes_them(string input, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), Durations.Parse(input, "--wait-for-data"));

    [Theory]
    [InlineData("four hours")]
    [InlineData("-1h")]
    [InlineData("")]
    public void Bad_durations_name_the_option(string input)
    {
        var ex = Assert.Throws<UsageException>(() => Durations.Parse(input, "--wait-for-data"));
        Assert.Contains("--wait-for-data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_never_shows_in_its_string_form()
    {
        var secret = new Secret("sk-very-secret");
        Assert.Equal("***", secret.ToString());
        Assert.Equal("key=*** ok", secret.Mask("key=sk-very-secret ok"));
    }
}
