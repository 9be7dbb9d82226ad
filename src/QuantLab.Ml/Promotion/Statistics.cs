namespace QuantLab.Ml.Promotion;

/// <summary>A two-sided confidence interval for a proportion.</summary>
public readonly record struct Interval(double Low, double High);

/// <summary>The statistics behind the promotion gates: normal distribution, Wilson interval, exact binomial test, effective sample size, probabilistic and deflated Sharpe ratios.</summary>
public static class Statistics
{
    /// <summary>The Euler–Mascheroni constant, used by the expected maximum Sharpe ratio of many trials.</summary>
    public const double EulerMascheroni = 0.57721566490153286;

    private static readonly double SqrtTwoPi = Math.Sqrt(2 * Math.PI);

    /// <summary>Standard normal CDF Φ(x), absolute error below 1e-15 (Hart 1968, algorithm 5666, as given by West 2005, "Better approximations to cumulative normal functions").</summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var a = Math.Abs(x);
        double tail;
        if (a > 37)
        {
            tail = 0;
        }
        else
        {
            var e = Math.Exp(-a * a / 2);
            if (a < 7.07106781186547)
            {
                var num = (0.0352624965998911 * a) + 0.700383064443688;
                num = (num * a) + 6.37396220353165;
                num = (num * a) + 33.912866078383;
                num = (num * a) + 112.079291497871;
                num = (num * a) + 221.213596169931;
                num = (num * a) + 220.206867912376;
                var den = (0.0883883476483184 * a) + 1.75566716318264;
                den = (den * a) + 16.064177579207;
                den = (den * a) + 86.7807322029461;
                den = (den * a) + 296.564248779674;
                den = (den * a) + 637.333633378831;
                den = (den * a) + 793.826512519948;
                den = (den * a) + 440.413735824752;
                tail = e * num / den;
            }
            else
            {
                var cf = a + 0.65;
                cf = a + (4 / cf);
                cf = a + (3 / cf);
                cf = a + (2 / cf);
                cf = a + (1 / cf);
                tail = e / cf / 2.506628274631;
            }
        }

        return x > 0 ? 1 - tail : tail;
    }

    /// <summary>Inverse standard normal CDF Φ⁻¹(p) for 0 &lt; p &lt; 1 (Acklam's rational approximation plus one Halley step; ±∞ at 0 and 1).</summary>
    public static double NormalInverseCdf(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be in [0, 1]");
        }

        if (p == 0)
        {
            return double.NegativeInfinity;
        }

        if (p == 1)
        {
            return double.PositiveInfinity;
        }

        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = Horner(AcklamC, q) / ((Horner(AcklamD, q) * q) + 1);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = Horner(AcklamA, r) * q / ((Horner(AcklamB, r) * r) + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -Horner(AcklamC, q) / ((Horner(AcklamD, q) * q) + 1);
        }

        // One Halley step against the accurate CDF takes the 1e-9 approximation to near machine precision.
        var err = NormalCdf(x) - p;
        var u = err * SqrtTwoPi * Math.Exp(x * x / 2);
        return x - (u / (1 + (x * u / 2)));
    }

    // Acklam's coefficients, highest power first.
    private static readonly double[] AcklamA = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716, 2.506628277459239];
    private static readonly double[] AcklamB = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    private static readonly double[] AcklamC = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    private static readonly double[] AcklamD = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

    private static double Horner(double[] coefficients, double x)
    {
        var result = 0.0;
        foreach (var c in coefficients)
        {
            result = (result * x) + c;
        }

        return result;
    }

    /// <summary>Natural log of the gamma function for x &gt; 0 (Lanczos, g = 7, relative error about 1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is defined here for x > 0 only");
        }

        if (x < 0.5)
        {
            // Reflection keeps the Lanczos series in its accurate range.
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        var y = x - 1;
        var sum = c[0];
        for (var i = 1; i < c.Length; i++)
        {
            sum += c[i] / (y + i);
        }

        var t = y + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((y + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    /// <summary>Wilson score interval for <paramref name="successes"/> out of <paramref name="trials"/>; [0, 1] when there are no trials (nothing is known).</summary>
    public static Interval WilsonInterval(double successes, double trials, double confidence = 0.95)
    {
        if (!(confidence is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must be in (0, 1)");
        }

        if (!(trials >= 0) || !(successes >= 0) || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"need 0 <= successes <= trials, got {successes} of {trials}");
        }

        if (trials == 0)
        {
            return new Interval(0, 1);
        }

        var z = NormalInverseCdf(1 - ((1 - confidence) / 2));
        var z2 = z * z;
        var p = successes / trials;
        var denominator = 1 + (z2 / trials);
        var center = (p + (z2 / (2 * trials))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / trials) + (z2 / (4 * trials * trials)));
        return new Interval(Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>One-sided exact binomial test against a coin: P(X ≥ k) for X ~ Binomial(n, 0.5), summed in log space so any n works.</summary>
    public static double BinomialPValueAboveHalf(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (successes <= 0)
        {
            return 1;
        }

        if (successes > trials)
        {
            return 0;
        }

        // With p = 0.5 the distribution is symmetric: P(X >= k) = 1 - P(X >= n - k + 1). Always summing a tail that starts
        // at or beyond the mode means its terms only shrink, so the sum can stop once they no longer matter.
        var k = successes;
        return 2L * k > trials ? UpperTail(k, trials) : 1 - UpperTail(trials - k + 1, trials);
    }

    private static double UpperTail(int k, int n)
    {
        if (k > n)
        {
            return 0;
        }

        var logHalfPowN = n * Math.Log(0.5);
        var logTerm = LogGamma(n + 1.0) - LogGamma(k + 1.0) - LogGamma(n - k + 1.0) + logHalfPowN;
        var first = logTerm;
        var sum = 1.0; // terms relative to the first one, which is the largest
        for (var i = k; i < n; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1.0);
            var relative = Math.Exp(logTerm - first);
            sum += relative;
            if (relative < 1e-17 * sum)
            {
                break;
            }
        }

        return Math.Min(1, Math.Exp(first + Math.Log(sum)));
    }

    /// <summary>
    /// Effective number of independent samples when every row's label spans <paramref name="horizonBars"/> bars:
    /// consecutive labels share H−1 bars, so only about n/H of them carry independent information.
    /// </summary>
    public static double EffectiveSampleSize(int samples, int horizonBars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonBars, 1);
        return (double)samples / horizonBars;
    }

    /// <summary>Mean, per-period Sharpe ratio (sample standard deviation, n−1), skewness and raw kurtosis (population moments; 3 for a normal) of a return series.</summary>
    public static ReturnMoments Moments(ReadOnlySpan<double> returns)
    {
        var n = returns.Length;
        if (n == 0)
        {
            return new ReturnMoments(0, 0, 0, 0, 0, 3);
        }

        var mean = 0.0;
        foreach (var r in returns)
        {
            mean += r;
        }

        mean /= n;
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (var r in returns)
        {
            var d = r - mean;
            var d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }

        var sampleStd = n > 1 ? Math.Sqrt(m2 / (n - 1)) : 0;
        m2 /= n;
        m3 /= n;
        m4 /= n;

        // A constant series has no defined shape: report it as normal-shaped, with a Sharpe of 0 (documented on ModelMetrics).
        if (m2 <= 0 || sampleStd <= 0)
        {
            return new ReturnMoments(n, mean, 0, 0, 0, 3);
        }

        return new ReturnMoments(n, mean, sampleStd, mean / sampleStd, m3 / Math.Pow(m2, 1.5), m4 / (m2 * m2));
    }

    /// <summary>
    /// Probabilistic Sharpe ratio PSR(SR*) of Bailey and López de Prado (2012): the probability that the true per-period
    /// Sharpe ratio exceeds <paramref name="benchmarkSharpe"/>, given the observed per-period Sharpe over
    /// <paramref name="observations"/> periods, its skewness and raw (non-excess) kurtosis. NaN when the moments make the
    /// standard error undefined; a gate must treat NaN as failing.
    /// </summary>
    public static double ProbabilisticSharpeRatio(double sharpe, double benchmarkSharpe, int observations, double skewness, double kurtosis)
    {
        if (observations < 2)
        {
            return double.NaN;
        }

        var variance = 1 - (skewness * sharpe) + ((kurtosis - 1) / 4 * sharpe * sharpe);
        if (!(variance > 0))
        {
            return double.NaN;
        }

        return NormalCdf((sharpe - benchmarkSharpe) * Math.Sqrt(observations - 1) / Math.Sqrt(variance));
    }

    /// <summary>PSR(SR*) of a per-period return series (see the other overload).</summary>
    public static double ProbabilisticSharpeRatio(ReadOnlySpan<double> returns, double benchmarkSharpe)
    {
        var m = Moments(returns);
        return ProbabilisticSharpeRatio(m.Sharpe, benchmarkSharpe, m.Count, m.Skewness, m.Kurtosis);
    }

    /// <summary>
    /// Expected maximum per-period Sharpe ratio of <paramref name="trials"/> independent strategies whose true Sharpe is 0,
    /// when their estimated Sharpe ratios have variance <paramref name="sharpeVariance"/> (Bailey and López de Prado 2014):
    /// sqrt(V)·((1−γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))). 0 for a single trial (nothing was selected).
    /// </summary>
    public static double ExpectedMaxSharpe(int trials, double sharpeVariance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        if (!(sharpeVariance >= 0) || double.IsInfinity(sharpeVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(sharpeVariance), sharpeVariance, "the variance of the trials' Sharpe ratios must be finite and >= 0");
        }

        if (trials == 1)
        {
            return 0;
        }

        return Math.Sqrt(sharpeVariance)
            * (((1 - EulerMascheroni) * NormalInverseCdf(1 - (1.0 / trials))) + (EulerMascheroni * NormalInverseCdf(1 - (1.0 / (trials * Math.E)))));
    }

    /// <summary>Deflated Sharpe ratio: PSR against the Sharpe ratio the best of <paramref name="trials"/> worthless strategies would show by luck.</summary>
    public static double DeflatedSharpeRatio(double sharpe, int observations, double skewness, double kurtosis, int trials, double sharpeVariance) =>
        ProbabilisticSharpeRatio(sharpe, ExpectedMaxSharpe(trials, sharpeVariance), observations, skewness, kurtosis);
}

/// <summary>Summary moments of a per-period return series, as the probabilistic Sharpe ratio needs them.</summary>
public readonly record struct ReturnMoments(int Count, double Mean, double StandardDeviation, double Sharpe, double Skewness, double Kurtosis);
