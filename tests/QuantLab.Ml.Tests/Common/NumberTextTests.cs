using QuantLab.Ml.Common;

namespace QuantLab.Ml.Tests.Common;

[Trait("Category", "Unit")]
public sealed class NumberTextTests
{
    [Fact]
    public void A_statistic_without_a_value_reads_n_a_and_every_other_number_reads_as_in_the_invariant_culture()
    {
        double se = double.NaN, dsr = double.PositiveInfinity, sharpe = 0.01234, ret = -0.0125;
        float ratio = float.NaN;

        var text = string.Create(NumberText.Invariant, $"Sharpe {sharpe:G3} ± {se:G3}, DSR {dsr:F3}, ratio {ratio}, return {ret:P2}, trades {0}, {"btcusdt"}");

        Assert.Equal("Sharpe 0.0123 ± n/a, DSR n/a, ratio n/a, return -1.25 %, trades 0, btcusdt", text);
    }

    [Fact]
    public void Formattable_strings_take_it_too()
    {
        var se = double.NaN;

        Assert.Equal("± n/a", ((FormattableString)$"± {se:G3}").ToString(NumberText.Invariant));
    }
}
