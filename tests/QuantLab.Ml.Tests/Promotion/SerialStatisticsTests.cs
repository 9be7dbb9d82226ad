using System.Globalization;
using System.Text.Json;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Tests.Dataset;

namespace QuantLab.Ml.Tests.Promotion;

/// <summary>
/// The serial-correlation statistics against an independent implementation in numpy/scipy (Debian's python3) and against
/// closed forms: Newey–West, the HAC Sharpe error, Diebold–Mariano, Pesaran–Timmermann, Lo's annualization.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SerialStatisticsTests
{
    // An MA(2) series with a drift, like the overlapping books' returns: autocorrelated at lags 1 and 2.
    private static double[] Series(int n, int seed, double drift)
    {
        var rng = new Random(seed);
        var e = Enumerable.Range(0, n + 2).Select(_ => (rng.NextDouble() - 0.5) * 2e-3).ToArray();
        return Enumerable.Range(0, n).Select(t => drift + e[t + 2] + (0.6 * e[t + 1]) + (0.3 * e[t])).ToArray();
    }

    private const string Script = """
        import json, sys
        import numpy as np
        from scipy.stats import norm
        x = np.array(json.loads(sys.argv[1])); y = np.array(json.loads(sys.argv[2])); L = int(sys.argv[3]); q = float(sys.argv[4])
        def lrcov(a, b, L):
            n = len(a); s = a @ b / n
            for k in range(1, L + 1):
                w = 1 - k / (L + 1)
                s += w * (a[k:] @ b[:-k] + b[k:] @ a[:-k]) / n
            return s
        n = len(x); mu = x.mean(); a = x - mu; var = a @ a / n; sig = np.sqrt(var)
        b = a * a - var
        S = np.array([[lrcov(a, a, L), lrcov(a, b, L)], [lrcov(b, a, L), lrcov(b, b, L)]])
        g = np.array([1 / sig, -mu / (2 * var * sig)])
        sr = mu / sig; se = np.sqrt(g @ S @ g / n)
        d = x - y; dm = d.mean() / np.sqrt(lrcov(d - d.mean(), d - d.mean(), L) / n)
        rho = [(a[k:] @ a[:-k] / n) / var for k in range(1, L + 1)]
        ann = sr * q / np.sqrt(q + 2 * sum((q - k) * rho[k - 1] for k in range(1, L + 1)))
        print(json.dumps({"mean_se": float(np.sqrt(lrcov(a, a, L) / n)), "sr": float(sr), "sr_se": float(se), "psr": float(norm.cdf(sr / se)),
                          "dm_p": float(1 - norm.cdf(dm)), "ann": float(ann)}))
        """;

    [Fact]
    public async Task Newey_west_mean_and_sharpe_errors_dm_and_lo_match_an_independent_numpy_computation()
    {
        var ct = TestContext.Current.CancellationToken;
        var x = Series(3_000, seed: 5, drift: 1e-4);
        var y = Series(3_000, seed: 6, drift: 0);
        const int lag = 12;
        const double q = 3_153_600;
        var json = JsonDocument.Parse(await NumpyPython.RunAsync(Script, [JsonSerializer.Serialize(x), JsonSerializer.Serialize(y), lag.ToString(CultureInfo.InvariantCulture), q.ToString(CultureInfo.InvariantCulture)], ct)).RootElement;
        double Py(string key) => json.GetProperty(key).GetDouble();

        var mean = SerialStatistics.Mean(x, lag);
        var sharpe = SerialStatistics.Sharpe(x, lag);
        var (_, dmP) = SerialStatistics.DieboldMariano(x, y, lag);

        Assert.Equal(Py("mean_se"), mean.StandardError, Py("mean_se") * 1e-9);
        Assert.Equal(Py("sr"), sharpe.Value, 1e-12);
        Assert.Equal(Py("sr_se"), sharpe.StandardError, Py("sr_se") * 1e-9);
        Assert.Equal(Py("psr"), SerialStatistics.ProbabilisticSharpe(sharpe), 1e-9);
        Assert.Equal(Py("dm_p"), dmP, 1e-9);
        Assert.Equal(Py("ann"), SerialStatistics.AnnualizedSharpe(x, sharpe.Value, q, lag), Math.Abs(Py("ann")) * 1e-9);
    }
}

/// <summary>Closed forms and hand-computed values of the same statistics.</summary>
[Trait("Category", "Unit")]
public sealed class SerialStatisticsClosedFormTests
{
    [Fact]
    public void With_lag_zero_the_hac_errors_are_the_iid_ones()
    {
        // i.i.d. case: SE(mean) = σ/√n (1/n moments), SE(SR) = sqrt((1 + SR²/2 − γ3·SR + (γ4 − 3)/4·SR²)/n) (Lo 2002; Mertens 2002).
        double[] x = [0.01, -0.02, 0.03, 0.015, -0.005, 0.02, 0.0, 0.01];
        var m = Statistics.Moments(x);
        var n = x.Length;
        var popSd = m.StandardDeviation * Math.Sqrt((n - 1.0) / n);
        var sr = m.Mean / popSd;

        var mean = SerialStatistics.Mean(x, 0);
        var sharpe = SerialStatistics.Sharpe(x, 0);

        Assert.Equal(popSd / Math.Sqrt(n), mean.StandardError, 1e-15);
        Assert.Equal(sr, sharpe.Value, 1e-12);
        var mertens = Math.Sqrt((1 + (sr * sr / 2) - (m.Skewness * sr) + ((m.Kurtosis - 3) / 4 * sr * sr)) / n);
        Assert.Equal(mertens, sharpe.StandardError, 1e-12);
    }

    [Fact]
    public void Lo_annualization_without_autocorrelation_is_the_square_root_rule_and_positive_autocorrelation_shrinks_it()
    {
        // Alternating signs around a drift: negative lag-1 autocorrelation makes the annual figure larger than √q·SR.
        double[] x = [0.01, -0.02, 0.03, 0.015, -0.005, 0.02, 0.0, 0.01];
        var sr = SerialStatistics.Sharpe(x, 0).Value;

        Assert.Equal(sr * Math.Sqrt(365), SerialStatistics.AnnualizedSharpe(x, sr, 365, lag: 0), 1e-12);
        double[] trending = [0.01, 0.012, 0.011, 0.013, -0.002, -0.001, -0.003, 0.0];
        var st = SerialStatistics.Sharpe(trending, 0).Value;
        Assert.True(SerialStatistics.AnnualizedSharpe(trending, st, 365, lag: 1) < st * Math.Sqrt(365));
    }

    [Fact]
    public void Pesaran_timmermann_on_a_hand_counted_table()
    {
        // 10 calls: 6 up, 4 down; outcomes 6 up; hits 8. P = 0.8, Px = Py = 0.6, P* = 0.36 + 0.16 = 0.52.
        // var(P) = 0.52·0.48/10 = 0.02496; var(P*) = 2·(0.2²·0.6·0.4)/10 + 4·0.36·0.16/100 = 0.004224.
        // PT = 0.28 / sqrt(0.020736) = 0.28 / 0.144 = 1.944444; p = 1 − Φ(1.944444).
        bool[] calls = [true, true, true, true, true, true, false, false, false, false];
        bool[] went = [true, true, true, true, true, false, false, false, false, true];

        var pt = SerialStatistics.PesaranTimmermannTest(calls, went, effectiveSamples: 10);

        Assert.Equal(0.8, pt.HitRate, 1e-15);
        Assert.Equal(0.52, pt.ExpectedHitRate, 1e-15);
        Assert.Equal(0.28 / 0.144, pt.Statistic, 1e-12);
        Assert.Equal(1 - Statistics.NormalCdf(pt.Statistic), pt.PValue, 1e-15);

        // The same table counted as 40 overlapping calls with H = 4 has the same effective sample, so the same statistic.
        var overlapping = SerialStatistics.PesaranTimmermannTest([.. calls, .. calls, .. calls, .. calls], [.. went, .. went, .. went, .. went], effectiveSamples: 10);
        Assert.Equal(pt.Statistic, overlapping.Statistic, 1e-12);
    }

    [Fact]
    public void The_default_lag_is_at_least_the_horizon() =>
        Assert.Equal((10, 13, 60), (SerialStatistics.DefaultLag(100, 10), SerialStatistics.DefaultLag(21_599, 10), SerialStatistics.DefaultLag(21_599, 60)));
}
