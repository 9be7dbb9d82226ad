using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// Computes <see cref="ModelMetrics"/> from test-part predictions, labels, forward log returns and the test bars' book.
/// The backtest is the taker execution with H staggered books described on <see cref="Execution"/>; the model trades on
/// its expected move Σ p(class) × (the class's mean move on the validation part), only when that pays the cost of the
/// change (fee + the validation part's median half spread). Standard errors are Newey–West with a lag of at least H.
/// </summary>
public static class MetricsCalculator
{
    private const int Classes = 3;
    private const double LogLossClip = 1e-15;

    // XGBoost's softmax rows sum to 1 up to float32 rounding; anything further off means a wrong shape or a wrong file.
    private const double RowSumTolerance = 1e-3;

    /// <summary>Metrics of a model from its n×3 row-major class probabilities (columns down, flat, up).</summary>
    public static ModelMetrics Compute(ReadOnlySpan<float> probabilities, EvaluationWindow window, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var labels = window.Labels;
        var n = labels.Length;
        if (probabilities.Length != n * Classes)
        {
            throw new QuantLabException($"predictions hold {probabilities.Length} values but {n} test labels need {n} rows × {Classes} classes = {n * Classes}; were the predictions made on this test part?");
        }

        CheckInputs(window, config);

        var predicted = new int[n];
        var expected = new double[n];
        var logLoss = 0.0;
        var means = window.ValidMeanMove;
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
            expected[i] = (row[0] * means[0]) + (row[1] * means[1]) + (row[2] * means[2]);
            logLoss -= Math.Log(Math.Max(row[labels[i]], LogLossClip));
        }

        var threshold = TradeThreshold(window, config);
        return Evaluate("model", predicted, (row, current) => Execution.BestPosition(expected[row], current, threshold), window, config, logLoss / n);
    }

    /// <summary>The cost per unit of position change the model's expected move must beat: fee plus (when paid) the validation part's median half spread.</summary>
    public static double TradeThreshold(EvaluationWindow window, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(config);
        return (config.CostBps * 1e-4) + (config.IncludeSpread ? window.ValidHalfSpread : 0);
    }

    /// <summary>The no-position baseline: never trades, earns 0 on every bar (it predicts flat everywhere).</summary>
    public static ModelMetrics ComputeNoPosition(EvaluationWindow window, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        CheckInputs(window, config);
        var predicted = new int[window.Labels.Length];
        Array.Fill(predicted, (int)PriceMove.Flat);
        return Evaluate("no_position", predicted, (_, _) => 0, window, config, logLoss: null);
    }

    /// <summary>
    /// The microstructure baseline: go with the sign of the top-of-book imbalance at the bar's close (up when the bid
    /// queue is heavier, down when the ask queue is, flat on a tie), through the same execution.
    /// </summary>
    public static ModelMetrics ComputeImbalanceSign(EvaluationWindow window, EvaluationConfig config)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        CheckInputs(window, config);
        var predicted = new int[window.Labels.Length];
        for (var i = 0; i < predicted.Length; i++)
        {
            var imbalance = window.Book.Imbalance(i);
            predicted[i] = imbalance > 0 ? (int)PriceMove.Up : imbalance < 0 ? (int)PriceMove.Down : (int)PriceMove.Flat;
        }

        return Evaluate("imbalance_sign", predicted, (row, _) => Position(predicted[row]), window, config, logLoss: null);
    }

    internal static int Position(int predictedClass) => predictedClass switch
    {
        (int)PriceMove.Up => 1,
        (int)PriceMove.Down => -1,
        _ => 0,
    };

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

    private static void CheckInputs(EvaluationWindow window, EvaluationConfig config)
    {
        var labels = window.Labels;
        var forwardLogReturns = window.ForwardReturns;
        if (labels.Length == 0)
        {
            throw new QuantLabException("the test part is empty: there is nothing to evaluate a model on");
        }

        if (forwardLogReturns.Length != labels.Length)
        {
            throw new QuantLabException($"{labels.Length} test labels but {forwardLogReturns.Length} forward returns; both must come from the same test rows");
        }

        if (window.Book.Count < labels.Length + 1)
        {
            throw new QuantLabException($"the test book has {window.Book.Count} bars, the {labels.Length} test rows need at least {labels.Length + 1} (rows + horizon)");
        }

        if (window.ValidMeanMove.Length != Classes)
        {
            throw new QuantLabException($"the validation part's mean moves must be one per class, got {window.ValidMeanMove.Length}");
        }

        for (var b = 0; b < window.Book.Count; b++)
        {
            if (!(window.Book.Bid[b] > 0) || !(window.Book.Ask[b] >= window.Book.Bid[b]))
            {
                throw new QuantLabException($"test bar {b} has bid {window.Book.Bid[b]} and ask {window.Book.Ask[b]}; a taker fill needs 0 < bid <= ask");
            }
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

        _ = config;
    }

    private static ModelMetrics Evaluate(string strategy, int[] predicted, Func<int, int, int> decide, EvaluationWindow window, EvaluationConfig config, double? logLoss)
    {
        var labels = window.Labels;
        var forward = window.ForwardReturns;
        var n = labels.Length;
        var horizon = config.HorizonBars;
        var correct = 0;
        var calls = 0;
        var hits = 0;
        var flatOutcome = 0;
        var calledUp = new List<bool>();
        var wentUp = new List<bool>();
        for (var i = 0; i < n; i++)
        {
            var p = predicted[i];
            var y = labels[i];
            if (p == y)
            {
                correct++;
            }

            if (p != (int)PriceMove.Flat)
            {
                calls++;
                flatOutcome += y == (int)PriceMove.Flat ? 1 : 0;
                hits += Position(p) * forward[i] > 0 ? 1 : 0;
                calledUp.Add(p == (int)PriceMove.Up);
                wentUp.Add(forward[i] > 0);
            }
        }

        var effective = (double)calls / horizon;
        var effectiveHits = calls == 0 ? 0 : Math.Floor((double)hits * Math.Floor(effective) / calls);
        var ci = Statistics.WilsonInterval(effectiveHits, Math.Floor(effective));
        var pt = SerialStatistics.PesaranTimmermannTest(calledUp.ToArray(), wentUp.ToArray(), effective);
        var realized = Count(labels);
        var (majorityClass, majorityCount) = Majority(realized);
        var run = Execution.Run(n, horizon, window.Book, decide, config.CostBps, config.IncludeSpread);
        var returns = run.BarReturns;
        var moments = Statistics.Moments(returns);
        var lag = config.LagFor(returns.Length);
        var mean = SerialStatistics.Mean(returns, lag);
        var sharpe = SerialStatistics.Sharpe(returns, lag);

        return new ModelMetrics
        {
            Strategy = strategy,
            NTest = n,
            Evaluation = config,
            TestWindow = window.Span,
            Accuracy = (double)correct / n,
            MajorityClass = majorityClass,
            MajorityClassRate = (double)majorityCount / n,
            DirectionalAccuracy = calls > 0 ? (double)hits / calls : null,
            NDirectional = calls,
            FlatOutcomeCalls = flatOutcome,
            DirectionalCiLow = ci.Low,
            DirectionalCiHigh = ci.High,
            DirectionalPtStatistic = double.IsFinite(pt.Statistic) ? pt.Statistic : null,
            DirectionalPtPValue = pt.PValue,
            ExpectedHitRate = double.IsFinite(pt.ExpectedHitRate) ? pt.ExpectedHitRate : null,
            PredictedClassCounts = Count(predicted),
            RealizedClassCounts = realized,
            LogLoss = logLoss,
            TotalReturn = run.TotalReturn,
            MeanReturnPerBar = mean.Value,
            MeanReturnPerBarSe = mean.StandardError,
            SharpePerBar = sharpe.Value,
            SharpePerBarSe = sharpe.StandardError,
            HacLag = lag,
            ProbabilisticSharpe = SerialStatistics.ProbabilisticSharpe(sharpe),
            SharpeAnnualizedLo = SerialStatistics.AnnualizedSharpe(returns, sharpe.Value, config.BarsPerYear, lag),
            SpanSeconds = (double)returns.Length * config.BarSeconds,
            ReturnSkewness = moments.Skewness,
            ReturnKurtosis = moments.Kurtosis,
            MaxDrawdown = run.MaxDrawdown,
            NTrades = run.Trades,
            Turnover = run.Turnover,
            NPeriods = returns.Length,
            PeriodReturns = returns,
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
