using System.Numerics;
using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Tests.Promotion;

[Trait("Category", "Unit")]
public sealed class StatisticsTests
{
    // Standard normal table values (Abramowitz & Stegun, table 26.1, and the 97.5 % quantile 1.959963984540054).
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(1.4, 0.9192433407662289)]
    [InlineData(1.959963984540054, 0.975)]
    [InlineData(-3.0, 0.0013498980316300957)]
    public void Normal_cdf_matches_table_values(double x, double expected) =>
        Assert.Equal(expected, Statistics.NormalCdf(x), 1e-14);

    [Fact]
    public void Normal_cdf_keeps_relative_precision_far_in_the_tail()
    {
        // Φ(−8) = 6.220960574271819e-16 (from erfc(8/√2)/2): an absolute-error check would pass even for 0.
        var phi = Statistics.NormalCdf(-8);
        Assert.InRange(phi / 6.220960574271819e-16, 1 - 1e-6, 1 + 1e-6);
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.025, -1.959963984540054)]
    [InlineData(0.95, 1.6448536269514722)]
    [InlineData(1e-10, -6.361340902404056)]
    public void Inverse_normal_cdf_matches_table_quantiles(double p, double expected) =>
        Assert.Equal(expected, Statistics.NormalInverseCdf(p), 1e-9);

    [Fact]
    public void Inverse_normal_cdf_undoes_the_cdf_across_the_range()
    {
        // Above about 5 a double near 1 cannot hold the upper tail 1 − Φ(x) precisely, so no inverse could recover x there.
        for (var x = -7.0; x <= 5.0; x += 0.25)
        {
            Assert.Equal(x, Statistics.NormalInverseCdf(Statistics.NormalCdf(x)), 1e-7);
        }
    }

    [Fact]
    public void Log_gamma_matches_log_factorials()
    {
        // Γ(n+1) = n!, and Γ(1/2) = √π.
        Assert.Equal(0.0, Statistics.LogGamma(1), 1e-14);
        Assert.Equal(Math.Log(120), Statistics.LogGamma(6), 1e-13);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Statistics.LogGamma(0.5), 1e-13);
        var log100Factorial = Enumerable.Range(1, 100).Sum(i => Math.Log(i));
        Assert.Equal(log100Factorial, Statistics.LogGamma(101), 1e-10);
    }

    // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat. Med. 17:857, table II, Wilson score
    // method; published to 4 decimals, hence the half-unit tolerance.
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_interval_matches_Newcombe_table(int successes, int trials, double low, double high)
    {
        var ci = Statistics.WilsonInterval(successes, trials);
        Assert.Equal(low, ci.Low, 5e-5);
        Assert.Equal(high, ci.High, 5e-5);
    }

    [Fact]
    public void Wilson_interval_of_half_is_symmetric_around_half()
    {
        // 5/10 with z = 1.96: centre 0.5, half-width z/(1+z²/n)·sqrt(0.025 + z²/400).
        const double z = 1.959963984540054;
        var half = z / (1 + (z * z / 10)) * Math.Sqrt((0.25 / 10) + (z * z / 400));
        var ci = Statistics.WilsonInterval(5, 10);
        Assert.Equal(0.5 - half, ci.Low, 1e-12);
        Assert.Equal(0.5 + half, ci.High, 1e-12);
    }

    [Fact]
    public void Wilson_interval_with_no_trials_knows_nothing() =>
        Assert.Equal(new Interval(0, 1), Statistics.WilsonInterval(0, 0));

    [Theory]
    [InlineData(8, 10, 56.0 / 1024)] // C(10,8)+C(10,9)+C(10,10) = 45+10+1
    [InlineData(10, 10, 1.0 / 1024)]
    [InlineData(15, 20, 21700.0 / 1048576)] // 15504+4845+1140+190+20+1
    [InlineData(0, 10, 1.0)]
    [InlineData(11, 10, 0.0)]
    [InlineData(0, 0, 1.0)]
    public void Binomial_p_value_matches_hand_counted_tails(int k, int n, double expected) =>
        Assert.Equal(expected, Statistics.BinomialPValueAboveHalf(k, n), 1e-14);

    [Theory]
    [InlineData(60, 100)]
    [InlineData(50, 100)]
    [InlineData(41, 100)]
    [InlineData(140, 250)]
    public void Binomial_p_value_matches_exact_integer_sum(int k, int n)
    {
        var tail = BigInteger.Zero;
        var binomial = BigInteger.One; // C(n, 0)
        for (var i = 0; i <= n; i++)
        {
            if (i >= k)
            {
                tail += binomial;
            }

            binomial = binomial * (n - i) / (i + 1);
        }

        var expected = Math.Exp(BigInteger.Log(tail) - (n * Math.Log(2)));
        Assert.Equal(expected, Statistics.BinomialPValueAboveHalf(k, n), 1e-13);
    }

    [Fact]
    public void Binomial_p_value_for_large_n_agrees_with_the_normal_approximation()
    {
        // n = 10 000, k = 5 100: z = (5100 − 0.5 − 5000) / 50 = 1.99 with continuity correction; 1 − Φ(1.99) = 0.023295 (table).
        Assert.Equal(0.023295, Statistics.BinomialPValueAboveHalf(5_100, 10_000), 1e-4);

        // n = 1 000 000, k = 501 000: z = 999.5 / 500 = 1.999; far beyond any factorial a double could hold.
        var p = Statistics.BinomialPValueAboveHalf(501_000, 1_000_000);
        Assert.Equal(1 - Statistics.NormalCdf(1.999), p, 1e-5);
    }

    [Fact]
    public void Effective_sample_size_divides_by_the_label_horizon()
    {
        Assert.Equal(100.0, Statistics.EffectiveSampleSize(1_000, 10));
        Assert.Equal(1_000.0, Statistics.EffectiveSampleSize(1_000, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.EffectiveSampleSize(1_000, 0));
    }

    [Fact]
    public void Psr_with_unit_standard_error_is_the_normal_cdf_of_the_scaled_sharpe()
    {
        // SR = 0.1, kurtosis 3, skewness 0.05: 1 − 0.05·0.1 + (3−1)/4·0.01 = 1, so PSR(0) = Φ(0.1·√(197−1)) = Φ(1.4) = 0.919243 (table).
        var psr = Statistics.ProbabilisticSharpeRatio(sharpe: 0.1, benchmarkSharpe: 0, observations: 197, skewness: 0.05, kurtosis: 3);
        Assert.Equal(0.9192433, psr, 1e-6);
    }

    [Fact]
    public void Psr_of_a_return_series_uses_its_sample_sharpe_skew_and_kurtosis()
    {
        // Returns 2 %, −1 %, 3 %, 0 %: mean 1 %, deviations +1, −2, +2, −1 (%).
        // Sample variance (1+4+4+1)e-4 / 3, so SR = 0.01 / sqrt(1e-3 / 3) = sqrt(0.3).
        // Population m2 = 2.5e-4, m3 = (1 − 8 + 8 − 1)e-6 / 4 = 0, m4 = (1+16+16+1)e-8 / 4 = 8.5e-8, kurtosis = 8.5e-8 / 6.25e-8 = 1.36.
        double[] returns = [0.02, -0.01, 0.03, 0.0];
        var m = Statistics.Moments(returns);
        Assert.Equal(Math.Sqrt(0.3), m.Sharpe, 1e-12);
        Assert.Equal(0.0, m.Skewness, 1e-12);
        Assert.Equal(1.36, m.Kurtosis, 1e-12);

        var z = Math.Sqrt(0.3) * Math.Sqrt(3) / Math.Sqrt(1 + ((1.36 - 1) / 4 * 0.3));
        Assert.Equal(Statistics.NormalCdf(z), Statistics.ProbabilisticSharpeRatio(returns, benchmarkSharpe: 0), 1e-12);
    }

    [Fact]
    public void Psr_is_half_when_the_sharpe_equals_the_benchmark() =>
        Assert.Equal(0.5, Statistics.ProbabilisticSharpeRatio(0.2, 0.2, 500, -1, 6), 1e-15);

    [Fact]
    public void Deflated_sharpe_matches_the_published_example()
    {
        // Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", numerical example: N = 100 trials with annualized
        // variance of Sharpe ratios 1/2, daily returns over T = 1250 days, skewness −3, kurtosis 10, annualized SR 2.5
        // → expected max SR 0.1132 (per day) and DSR 0.9004.
        var variance = 0.5 / 250;
        Assert.Equal(0.1132, Statistics.ExpectedMaxSharpe(100, variance), 1e-4);
        var dsr = Statistics.DeflatedSharpeRatio(2.5 / Math.Sqrt(250), 1250, -3, 10, 100, variance);
        Assert.Equal(0.9004, dsr, 1e-3);
    }

    [Fact]
    public void A_single_trial_is_not_deflated()
    {
        Assert.Equal(0.0, Statistics.ExpectedMaxSharpe(1, 0.01));
        Assert.Equal(
            Statistics.ProbabilisticSharpeRatio(0.1, 0, 300, 0, 3),
            Statistics.DeflatedSharpeRatio(0.1, 300, 0, 3, trials: 1, sharpeVariance: 0.01));
    }

    [Fact]
    public void More_trials_deflate_the_sharpe_further()
    {
        var ten = Statistics.DeflatedSharpeRatio(0.1, 1000, 0, 3, 10, 0.001);
        var thousand = Statistics.DeflatedSharpeRatio(0.1, 1000, 0, 3, 1000, 0.001);
        Assert.True(thousand < ten, $"DSR with 1000 trials {thousand} should be below DSR with 10 trials {ten}");
    }
}
