using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// Computes <see cref="ModelMetrics"/> from test-part predictions, labels and forward log returns.
/// <para>
/// Backtest: the strategy decides at bars 0, H, 2H, … (H = horizon, so periods never overlap), holds +1 on a predicted
/// up, −1 on down and 0 on flat for one horizon, and earns position × (exp(forward log return) − 1) −
/// cost × |position change| per period. The book starts flat and is closed after the last period; that exit is charged
/// in the last period, so a model cannot hide the cost of its final position.
/// </para>
/// </summary>
public static class MetricsCalculator
{
    private const int Classes = 3;
    private const double LogLossClip = 1e-15;

    // XGBoost's softmax rows sum to 1 up to float32 rounding; anything further off means a wrong shape or a wrong file.
    private const double RowSumTolerance = 1e-3;

    /// <summary>Metrics of a model from its n×3 row-major class probabilities (columns down, flat, up).</summary>
    public static ModelMetrics Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, ReadOnlySpan<double> forwardLogReturns, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var n = labels.Length;
        if (probabilities.Length != n * Classes)
        {
            throw new QuantLabException($"predictions hold {probabilities.Length} values but {n} test labels need {n} rows × {Classes} classes = {n * Classes}; were the predictions made on this test part?");
        }

        CheckInputs(labels, forwardLogReturns);

        var predicted = new int[n];
        var logLoss = 0.0;
        for (var i = 0; i < n; i++)
        {
            var row = probabilities.Slice(i * Classes, Classes);
            var sum = 0.0;
            foreach (var p in row)
            {
                if (!float.IsFinite(p) || p < 0 || p > 1 + RowSumTolerance)
                {
                    throw new QuantLabException($"prediction row {i} holds {p}, not a probability");
                }

                sum += p;
            }

            if (Math.Abs(sum - 1) > RowSumTolerance)
            {
                throw new QuantLabException($"prediction row {i} sums to {sum:G6}, not 1; predictions.npy must be n×3 class probabilities (down, flat, up)");
            }

            predicted[i] = Argmax(row);
            logLoss -= Math.Log(Math.Max(row[labels[i]], LogLossClip));
        }

        return Evaluate(predicted, labels, forwardLogReturns, config, logLoss / n);
    }

    /// <summary>
    /// Metrics of the dummy model that predicts one class on every bar: the train part's majority class when given
    /// (the honest baseline, since the test labels are unknown when a model is built), else the test part's.
    /// </summary>
    public static ModelMetrics ComputeBaseline(ReadOnlySpan<int> labels, ReadOnlySpan<double> forwardLogReturns, EvaluationConfig config, int? majorityClassFromTrain)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        CheckInputs(labels, forwardLogReturns);
        if (majorityClassFromTrain is < 0 or >= Classes)
        {
            throw new QuantLabException($"the train majority class must be 0 (down), 1 (flat) or 2 (up), got {majorityClassFromTrain}");
        }

        var constant = majorityClassFromTrain ?? (int)Majority(Count(labels)).Class;
        var predicted = new int[labels.Length];
        Array.Fill(predicted, constant);
        return Evaluate(predicted, labels, forwardLogReturns, config, logLoss: null);
    }

    /// <summary>The argmax decision rule; a tie for the top probability is no decision, i.e. flat.</summary>
    internal static int Argmax(ReadOnlySpan<float> row)
    {
        var best = 0;
        var tied = false;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
                tied = false;
            }
            else if (row[c] == row[best])
            {
                tied = true;
            }
        }

        return tied ? (int)PriceMove.Flat : best;
    }

    private static void CheckInputs(ReadOnlySpan<int> labels, ReadOnlySpan<double> forwardLogReturns)
    {
        if (labels.Length == 0)
        {
            throw new QuantLabException("the test part is empty: there is nothing to evaluate a model on");
        }

        if (forwardLogReturns.Length != labels.Length)
        {
            throw new QuantLabException($"{labels.Length} test labels but {forwardLogReturns.Length} forward returns; both must come from the same test rows");
        }

        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            var r = forwardLogReturns[i];
            if (label is < 0 or >= Classes)
            {
                throw new QuantLabException($"test label {i} is {label}; labels must be 0 (down), 1 (flat) or 2 (up)");
            }

            if (!double.IsFinite(r))
            {
                throw new QuantLabException($"forward log return {i} is {r}; the test part must only hold rows with a complete forward window");
            }

            // Labels are the sign of the forward return outside a dead band, so any disagreement means misaligned arrays.
            if ((label == (int)PriceMove.Up && r <= 0) || (label == (int)PriceMove.Down && r >= 0))
            {
                throw new QuantLabException($"test row {i} is labelled {(PriceMove)label} but its forward log return is {r}; labels and returns are misaligned");
            }
        }
    }

    private static ModelMetrics Evaluate(int[] predicted, ReadOnlySpan<int> labels, ReadOnlySpan<double> forwardLogReturns, EvaluationConfig config, double? logLoss)
    {
        var n = labels.Length;
        var correct = 0;
        var directional = 0;
        var directionalHits = 0;
        for (var i = 0; i < n; i++)
        {
            var p = predicted[i];
            var y = labels[i];
            if (p == y)
            {
                correct++;
            }

            if (p != (int)PriceMove.Flat && y != (int)PriceMove.Flat)
            {
                directional++;
                if (p == y)
                {
                    directionalHits++;
                }
            }
        }

        var realized = Count(labels);
        var (majorityClass, majorityCount) = Majority(realized);
        var ci = Statistics.WilsonInterval(directionalHits, directional);
        var backtest = Backtest.Run(predicted, forwardLogReturns, config);
        var moments = Statistics.Moments(backtest.PeriodReturns);

        return new ModelMetrics
        {
            NTest = n,
            Evaluation = config,
            Accuracy = (double)correct / n,
            MajorityClass = majorityClass,
            MajorityClassRate = (double)majorityCount / n,
            DirectionalAccuracy = directional > 0 ? (double)directionalHits / directional : null,
            NDirectional = directional,
            DirectionalCiLow = ci.Low,
            DirectionalCiHigh = ci.High,
            PredictedClassCounts = Count(predicted),
            RealizedClassCounts = realized,
            LogLoss = logLoss,
            TotalReturn = backtest.TotalReturn,
            Sharpe = moments.Sharpe * Math.Sqrt(config.PeriodsPerYear),
            SharpePerPeriod = moments.Sharpe,
            ReturnSkewness = moments.Skewness,
            ReturnKurtosis = moments.Kurtosis,
            MaxDrawdown = backtest.MaxDrawdown,
            NTrades = backtest.Trades,
            NPeriods = backtest.PeriodReturns.Length,
            PeriodReturns = backtest.PeriodReturns,
        };
    }

    private static ClassCounts Count(ReadOnlySpan<int> classes)
    {
        Span<int> counts = stackalloc int[Classes];
        foreach (var c in classes)
        {
            counts[c]++;
        }

        return new ClassCounts { Down = counts[0], Flat = counts[1], Up = counts[2] };
    }

    private static (PriceMove Class, int Count) Majority(ClassCounts counts)
    {
        var best = PriceMove.Down;
        foreach (var move in (ReadOnlySpan<PriceMove>)[PriceMove.Flat, PriceMove.Up])
        {
            if (counts[move] > counts[best])
            {
                best = move;
            }
        }

        return (best, counts[best]);
    }
}
