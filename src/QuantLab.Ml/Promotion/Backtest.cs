namespace QuantLab.Ml.Promotion;

/// <summary>The non-overlapping one-horizon-per-period backtest described on <see cref="MetricsCalculator"/>.</summary>
internal static class Backtest
{
    /// <summary>Outcome of one backtest run.</summary>
    internal sealed record Result
    {
        public required double[] PeriodReturns { get; init; }
        public required double TotalReturn { get; init; }
        public required double MaxDrawdown { get; init; }
        public required int Trades { get; init; }
    }

    internal static int Position(int predictedClass) => predictedClass switch
    {
        (int)PriceMove.Up => 1,
        (int)PriceMove.Down => -1,
        _ => 0,
    };

    internal static Result Run(ReadOnlySpan<int> predicted, ReadOnlySpan<double> forwardLogReturns, EvaluationConfig config)
    {
        var horizon = config.HorizonBars;
        var cost = config.CostBps * 1e-4;
        var periods = (predicted.Length + horizon - 1) / horizon;
        var returns = new double[periods];
        var position = 0;
        var trades = 0;
        var equity = 1.0;
        var peak = 1.0;
        var maxDrawdown = 0.0;
        for (var j = 0; j < periods; j++)
        {
            var bar = j * horizon;
            var next = Position(predicted[bar]);
            var change = Math.Abs(next - position);
            if (change != 0)
            {
                trades++;
            }

            var r = (next * double.ExpM1(forwardLogReturns[bar])) - (cost * change);
            if (j == periods - 1 && next != 0)
            {
                // Close the book after the last period so its exit is paid for.
                r -= cost * Math.Abs(next);
                trades++;
            }

            position = next;
            returns[j] = r;
            equity *= 1 + r;
            peak = Math.Max(peak, equity);
            maxDrawdown = Math.Max(maxDrawdown, (peak - equity) / peak);
        }

        return new Result { PeriodReturns = returns, TotalReturn = equity - 1, MaxDrawdown = maxDrawdown, Trades = trades };
    }
}
