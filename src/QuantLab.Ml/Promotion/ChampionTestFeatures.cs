using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Promotion;

/// <summary>
/// Builds the champion's test features over the candidate's test bars with the champion's own feature windows, so a
/// champion trained with another feature configuration is still scored like for like. Only bars, horizon and dead band
/// must match: they define the test bars and their labels; feature windows only change the columns.
/// </summary>
public static class ChampionTestFeatures
{
    /// <summary>Why the champion's dataset configuration cannot be scored on the candidate's test bars, or null when it can.</summary>
    public static string? Incompatibility(DatasetConfig candidate, DatasetConfig champion)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(champion);
        var differences = new List<string>();
        if (candidate.BarSeconds != champion.BarSeconds)
        {
            differences.Add(F($"bars of {champion.BarSeconds} s vs the candidate's {candidate.BarSeconds} s"));
        }

        if (candidate.HorizonBars != champion.HorizonBars)
        {
            differences.Add(F($"a horizon of {champion.HorizonBars} bars vs the candidate's {candidate.HorizonBars}"));
        }

        if (candidate.DeadBandBps != champion.DeadBandBps)
        {
            differences.Add(F($"a dead band of {champion.DeadBandBps} bps vs the candidate's {candidate.DeadBandBps}"));
        }

        return differences.Count == 0
            ? null
            : "the champion was trained on another target (" + string.Join(", ", differences) + "), so it predicts something else than the candidate";
    }

    /// <summary>
    /// The champion's feature rows for exactly the candidate's test bars. <paramref name="expectedTestBarStartMs"/> (from
    /// the candidate's dataset) proves the bars are the same. Throws <see cref="QuantLabException"/> with the reason when it
    /// cannot be done.
    /// </summary>
    public static FeatureMatrix Build(BboColumns ticks, DatasetConfig candidate, DatasetConfig champion, IReadOnlyList<long> expectedTestBarStartMs)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentNullException.ThrowIfNull(expectedTestBarStartMs);
        if (Incompatibility(candidate, champion) is { } why)
        {
            throw new QuantLabException(why);
        }

        champion.Validate();
        var bars = BarBuilder.Build(ticks, candidate.BarSeconds);
        var split = SplitPlan.ForBars(bars, candidate);
        var firstTestBar = FeatureBuilder.WarmupBars(candidate) + split.Test.Start;
        var count = split.Test.Count;
        if (count != expectedTestBarStartMs.Count)
        {
            throw new QuantLabException(F($"rebuilding the candidate's test part gave {count} bars, the dataset has {expectedTestBarStartMs.Count}; the data changed under the job"));
        }

        for (var i = 0; i < count; i++)
        {
            if (bars.StartMs(firstTestBar + i) != expectedTestBarStartMs[i])
            {
                throw new QuantLabException(F($"rebuilt test bar {i} starts at {bars.StartMs(firstTestBar + i)} ms, the dataset's at {expectedTestBarStartMs[i]} ms; the data changed under the job"));
            }
        }

        var championWarmup = FeatureBuilder.WarmupBars(champion);
        if (firstTestBar < championWarmup)
        {
            throw new QuantLabException(F($"the champion's longest look-back of {championWarmup} bars reaches before the first bar of the window for the first test bar ({firstTestBar} bars in)"));
        }

        var all = FeatureBuilder.Build(bars, champion);
        var offset = firstTestBar - all.FirstBar;
        return new FeatureMatrix
        {
            Names = all.Names,
            FirstBar = firstTestBar,
            Rows = count,
            Values = all.RowSpan(offset, count).ToArray(),
        };
    }

    /// <summary>Writes the trainer's --production-data file: X_test and feature_names.</summary>
    public static void WriteNpz(string path, FeatureMatrix features)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(features);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using var npz = new NpzWriter(stream);
        npz.AddFloat32Matrix("X_test", features.Values, features.Rows, features.Columns);
        npz.AddUnicodeVector("feature_names", features.Names);
        npz.Finish();
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
