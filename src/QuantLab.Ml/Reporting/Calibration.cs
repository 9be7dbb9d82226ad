using QuantLab.Ml.Promotion;

namespace QuantLab.Ml.Reporting;

/// <summary>Reliability bins of the predicted up and down probabilities against the realized test labels.</summary>
public static class Calibration
{
    /// <summary>Equal-width bins over [0, 1]; empty bins are left out.</summary>
    public static IReadOnlyList<CalibrationBin> Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int bins = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (probabilities.Length != labels.Length * 3)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities do not make {labels.Length} rows of 3 classes", nameof(probabilities));
        }

        var result = new List<CalibrationBin>();
        foreach (var (move, name) in new[] { (PriceMove.Down, "down"), (PriceMove.Up, "up") })
        {
            var sum = new double[bins];
            var hits = new int[bins];
            var count = new int[bins];
            for (var i = 0; i < labels.Length; i++)
            {
                double p = probabilities[(i * 3) + (int)move];
                var bin = Math.Clamp((int)(p * bins), 0, bins - 1);
                sum[bin] += p;
                count[bin]++;
                if (labels[i] == (int)move)
                {
                    hits[bin]++;
                }
            }

            for (var b = 0; b < bins; b++)
            {
                if (count[b] > 0)
                {
                    result.Add(new CalibrationBin
                    {
                        Class = name,
                        Low = (double)b / bins,
                        High = (double)(b + 1) / bins,
                        MeanPredicted = sum[b] / count[b],
                        ObservedRate = (double)hits[b] / count[b],
                        Count = count[b],
                    });
                }
            }
        }

        return result;
    }
}
