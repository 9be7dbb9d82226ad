using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// The taker execution model with H staggered books (Jegadeesh and Titman 1993): book k (k = 0..H−1) holds 1/H of the
/// capital and decides at the close of test rows k, k + H, k + 2H, …, so every prediction is used and no starting offset
/// is chosen. A decision at row t's close fills at the touch of bar t + 1 (buy at the ask, sell at the bid: half the quoted
/// spread per unit of position change over the mid), plus the exchange fee per unit of change. Positions are marked at the
/// mid every bar, so the result is one net return per bar. After the last bar every book is closed at the touch and that
/// exit is paid for.
/// </summary>
internal static class Execution
{
    /// <summary>Outcome of one run.</summary>
    internal sealed record Result
    {
        /// <summary>Net return of the whole portfolio on bars 1..B−1 of the book (bar 0 only places the first fills' decisions).</summary>
        public required double[] BarReturns { get; init; }
        public required double TotalReturn { get; init; }
        public required double MaxDrawdown { get; init; }

        /// <summary>Position changes of the books, the final exits included.</summary>
        public required int Trades { get; init; }

        /// <summary>Sum of |position change| over the portfolio (1.0 = the whole capital turned once).</summary>
        public required double Turnover { get; init; }
    }

    /// <summary>
    /// Runs <paramref name="rows"/> decisions over <paramref name="book"/> (rows + horizon bars). <paramref name="decide"/>
    /// gets the row and the deciding book's current position (−1, 0, +1) and returns its new position.
    /// </summary>
    internal static Result Run(int rows, int horizon, TestBook book, Func<int, int, int> decide, double feeBps, bool includeSpread)
    {
        var bars = book.Count;
        var fee = feeBps * 1e-4;
        var positions = new int[horizon];
        var returns = new double[Math.Max(0, bars - 1)];
        double exposure = 0, equity = 1, peak = 1, maxDrawdown = 0, turnover = 0;
        var trades = 0;
        for (var s = 1; s < bars; s++)
        {
            var r = exposure * ((book.Mid(s) / book.Mid(s - 1)) - 1);
            var unitCost = fee + (includeSpread ? book.HalfSpread(s) : 0);
            var changed = 0;
            var last = s == bars - 1;
            var row = s - 1;
            if (!last && row < rows)
            {
                var k = row % horizon;
                var next = decide(row, positions[k]);
                changed += Math.Abs(next - positions[k]);
                trades += next != positions[k] ? 1 : 0;
                positions[k] = next;
            }
            else if (last)
            {
                for (var k = 0; k < horizon; k++)
                {
                    changed += Math.Abs(positions[k]);
                    trades += positions[k] != 0 ? 1 : 0;
                    positions[k] = 0;
                }
            }

            var change = (double)changed / horizon;
            turnover += change;
            r -= change * unitCost;
            returns[s - 1] = r;
            exposure = (double)positions.Sum() / horizon;
            equity *= 1 + r;
            peak = Math.Max(peak, equity);
            maxDrawdown = Math.Max(maxDrawdown, (peak - equity) / peak);
        }

        return new Result { BarReturns = returns, TotalReturn = equity - 1, MaxDrawdown = maxDrawdown, Trades = trades, Turnover = turnover };
    }

    /// <summary>
    /// The model's trading rule: the position q in {−1, 0, +1} that maximizes q·E − c·|q − p| from the current position p,
    /// with E the expected move of the row and c the cost per unit of change (fee + the validation part's median half
    /// spread). A change therefore happens only when the expected move pays for it; a tie keeps the position.
    /// </summary>
    internal static int BestPosition(double expectedMove, int current, double unitCost)
    {
        var best = current;
        var bestValue = current * expectedMove;
        for (var q = -1; q <= 1; q++)
        {
            var value = (q * expectedMove) - (unitCost * Math.Abs(q - current));
            if (value > bestValue)
            {
                best = q;
                bestValue = value;
            }
        }

        return best;
    }
}
