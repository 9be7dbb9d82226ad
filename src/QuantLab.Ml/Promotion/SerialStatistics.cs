namespace QuantLab.Ml.Promotion;

/// <summary>A mean (or Sharpe ratio) with its Newey–West standard error and the lag it used.</summary>
public readonly record struct HacEstimate(double Value, double StandardError, int Lag, int Observations)
{
    /// <summary>Value / standard error; NaN when the error is 0 or undefined.</summary>
    public double TStatistic => StandardError > 0 ? Value / StandardError : double.NaN;
}

/// <summary>Pesaran and Timmermann (1992) test of directional predictability.</summary>
public readonly record struct PesaranTimmermann(double HitRate, double ExpectedHitRate, double Statistic, double PValue, double EffectiveSamples);

/// <summary>
/// Statistics of autocorrelated return series: Newey–West (1987) long-run variance with Bartlett weights, HAC standard
/// errors of a mean and of a Sharpe ratio (Lo 2002, GMM delta method), the Diebold–Mariano (1995) test, Lo's annualization
/// under serial correlation and the Pesaran–Timmermann (1992) directional test.
/// </summary>
public static class SerialStatistics
{
    /// <summary>The lag used by default: at least the label horizon (overlapping books make returns MA(H−1)), and at least Newey and West's 4·(T/100)^(2/9).</summary>
    public static int DefaultLag(int observations, int horizonBars) =>
        Math.Max(horizonBars, (int)Math.Floor(4 * Math.Pow(Math.Max(observations, 1) / 100.0, 2.0 / 9)));

    /// <summary>Autocovariance at <paramref name="k"/> (divided by T, as in Newey–West) of a demeaned series.</summary>
    public static double Autocovariance(ReadOnlySpan<double> demeaned, int k)
    {
        var sum = 0.0;
        for (var t = k; t < demeaned.Length; t++)
        {
            sum += demeaned[t] * demeaned[t - k];
        }

        return sum / demeaned.Length;
    }

    /// <summary>Newey–West long-run variance γ0 + 2 Σ_{k=1..L} (1 − k/(L+1)) γk of a series around its mean.</summary>
    public static double LongRunVariance(ReadOnlySpan<double> x, int lag)
    {
        var demeaned = Demean(x, out _);
        return LongRunCovariance(demeaned, demeaned, lag);
    }

    /// <summary>The mean of <paramref name="x"/> with its HAC standard error sqrt(LRV / T).</summary>
    public static HacEstimate Mean(ReadOnlySpan<double> x, int lag)
    {
        var n = x.Length;
        if (n < 2)
        {
            return new HacEstimate(n == 1 ? x[0] : 0, double.NaN, lag, n);
        }

        var demeaned = Demean(x, out var mean);
        var lrv = LongRunCovariance(demeaned, demeaned, lag);
        return new HacEstimate(mean, lrv > 0 ? Math.Sqrt(lrv / n) : 0, lag, n);
    }

    /// <summary>
    /// The per-period Sharpe ratio μ/σ (σ with the 1/T moment) and its HAC standard error by the delta method on the
    /// moment conditions (r − μ, (r − μ)² − σ²) (Lo 2002, eq. 8–11; Opdyke 2007): non-normality and serial correlation
    /// both enter through the long-run covariance of the two conditions.
    /// </summary>
    public static HacEstimate Sharpe(ReadOnlySpan<double> x, int lag)
    {
        var n = x.Length;
        if (n < 2)
        {
            return new HacEstimate(0, double.NaN, lag, n);
        }

        var a = Demean(x, out var mean);
        var variance = 0.0;
        foreach (var d in a)
        {
            variance += d * d;
        }

        variance /= n;
        if (!(variance > 0))
        {
            return new HacEstimate(0, double.NaN, lag, n);
        }

        var b = new double[n];
        for (var t = 0; t < n; t++)
        {
            b[t] = (a[t] * a[t]) - variance;
        }

        var sigma = Math.Sqrt(variance);
        var s11 = LongRunCovariance(a, a, lag);
        var s22 = LongRunCovariance(b, b, lag);
        var s12 = LongRunCovariance(a, b, lag);
        var g1 = 1 / sigma;
        var g2 = -mean / (2 * variance * sigma);
        var v = (g1 * g1 * s11) + (2 * g1 * g2 * s12) + (g2 * g2 * s22);
        return new HacEstimate(mean / sigma, v > 0 ? Math.Sqrt(v / n) : double.NaN, lag, n);
    }

    /// <summary>
    /// PSR(SR*) with the HAC standard error: Φ((SR − SR*) / SE). With independent normal returns the error is
    /// sqrt((1 + SR²/2)/T), Bailey and López de Prado's PSR up to T vs T − 1; with autocorrelation it widens as it must.
    /// </summary>
    public static double ProbabilisticSharpe(HacEstimate sharpe, double benchmark = 0) =>
        sharpe.StandardError > 0 ? Statistics.NormalCdf((sharpe.Value - benchmark) / sharpe.StandardError) : double.NaN;

    /// <summary>
    /// Diebold–Mariano test that series <paramref name="a"/> earns more than <paramref name="b"/> bar by bar:
    /// d = a − b, DM = mean(d) / HAC SE, one-sided p = 1 − Φ(DM). Both must be on the same bars.
    /// </summary>
    public static (HacEstimate Difference, double PValue) DieboldMariano(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int lag)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"the paired test needs the same bars: {a.Length} vs {b.Length} returns", nameof(b));
        }

        var d = new double[a.Length];
        for (var t = 0; t < d.Length; t++)
        {
            d[t] = a[t] - b[t];
        }

        var mean = Mean(d, lag);
        var z = mean.TStatistic;
        return (mean, double.IsFinite(z) ? 1 - Statistics.NormalCdf(z) : (mean.Value > 0 ? 0 : 1));
    }

    /// <summary>
    /// Lo (2002) annualized Sharpe ratio of a per-period ratio under serial correlation: SR·q / sqrt(q + 2 Σ_{k=1..L}
    /// (q − k) ρk), with q periods per year and autocorrelations beyond <paramref name="lag"/> taken as 0.
    /// </summary>
    public static double AnnualizedSharpe(ReadOnlySpan<double> x, double sharpePerPeriod, double periodsPerYear, int lag)
    {
        if (x.Length < 2 || !double.IsFinite(sharpePerPeriod))
        {
            return double.NaN;
        }

        var a = Demean(x, out _);
        var g0 = Autocovariance(a, 0);
        if (!(g0 > 0))
        {
            return 0;
        }

        var q = periodsPerYear;
        var sum = q;
        for (var k = 1; k <= Math.Min(lag, x.Length - 1); k++)
        {
            sum += 2 * (q - k) * (Autocovariance(a, k) / g0);
        }

        return sum > 0 ? sharpePerPeriod * q / Math.Sqrt(sum) : double.NaN;
    }

    /// <summary>
    /// Pesaran–Timmermann on binary calls (1 = up) and outcomes (1 = went up), with the variances computed on
    /// <paramref name="effectiveSamples"/> (n / H for overlapping horizons) instead of n. One-sided p = 1 − Φ(PT).
    /// </summary>
    public static PesaranTimmermann PesaranTimmermannTest(ReadOnlySpan<bool> calledUp, ReadOnlySpan<bool> wentUp, double effectiveSamples)
    {
        var n = calledUp.Length;
        if (n == 0 || wentUp.Length != n || !(effectiveSamples > 1))
        {
            return new PesaranTimmermann(double.NaN, double.NaN, double.NaN, 1, effectiveSamples);
        }

        double hits = 0, x = 0, y = 0;
        for (var t = 0; t < n; t++)
        {
            hits += calledUp[t] == wentUp[t] ? 1 : 0;
            x += calledUp[t] ? 1 : 0;
            y += wentUp[t] ? 1 : 0;
        }

        var p = hits / n;
        var px = x / n;
        var py = y / n;
        var pStar = (py * px) + ((1 - py) * (1 - px));
        var m = effectiveSamples;
        var varP = pStar * (1 - pStar) / m;
        var varPStar = ((2 * py - 1) * (2 * py - 1) * px * (1 - px) / m)
            + ((2 * px - 1) * (2 * px - 1) * py * (1 - py) / m)
            + (4 * py * px * (1 - py) * (1 - px) / (m * m));
        var denominator = varP - varPStar;
        if (!(denominator > 0))
        {
            return new PesaranTimmermann(p, pStar, double.NaN, 1, m);
        }

        var statistic = (p - pStar) / Math.Sqrt(denominator);
        return new PesaranTimmermann(p, pStar, statistic, 1 - Statistics.NormalCdf(statistic), m);
    }

    private static double[] Demean(ReadOnlySpan<double> x, out double mean)
    {
        mean = 0;
        foreach (var v in x)
        {
            mean += v;
        }

        mean /= Math.Max(1, x.Length);
        var d = new double[x.Length];
        for (var t = 0; t < d.Length; t++)
        {
            d[t] = x[t] - mean;
        }

        return d;
    }

    /// <summary>Bartlett-weighted long-run covariance of two demeaned series.</summary>
    private static double LongRunCovariance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int lag)
    {
        var n = a.Length;
        var s = Cross(a, b, 0) / n;
        for (var k = 1; k <= Math.Min(lag, n - 1); k++)
        {
            var w = 1 - (k / (lag + 1.0));
            s += w * (Cross(a, b, k) + Cross(b, a, k)) / n;
        }

        return s;
    }

    private static double Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int k)
    {
        var sum = 0.0;
        for (var t = k; t < a.Length; t++)
        {
            sum += a[t] * b[t - k];
        }

        return sum;
    }
}
