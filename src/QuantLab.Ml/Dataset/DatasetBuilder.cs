using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Dataset;

/// <summary>
/// Turns ticks into dataset.npz. The phases are public on their own so they can be timed one by one:
/// <see cref="BarBuilder.Build"/>, <see cref="FeatureBuilder.Build"/>, <see cref="LabelBuilder.Build"/>,
/// <see cref="SplitPlan.Create"/> and <see cref="WriteNpz"/>.
/// </summary>
public static class DatasetBuilder
{
    public const string FileName = "dataset.npz";

    /// <summary>The fewest bars that leave one row in each of train, valid and test.</summary>
    public static int MinimumBars(DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return FeatureBuilder.WarmupBars(config) + config.HorizonBars + SplitPlan.MinimumRows(config);
    }

    /// <summary>
    /// Builds and writes <c>outputDir/dataset.npz</c> (replacing any previous one). Throws <see cref="Common.UsageException"/>
    /// for a bad config and <see cref="DatasetException"/> for bad ticks, too few bars or an unwritable folder.
    /// </summary>
    public static BuiltDataset Build(BboColumns ticks, DatasetConfig config, string outputDir, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(outputDir);
        config.Validate();

        var bars = BarBuilder.Build(ticks, config.BarSeconds);
        int needed = MinimumBars(config);
        if (bars.Count < needed)
        {
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"window has {bars.Count} bars, needs at least {needed} ({FeatureBuilder.WarmupBars(config)} warm-up + {config.HorizonBars} horizon + 2 x {config.EffectiveEmbargoBars} embargo + one row per part, bars of {config.BarSeconds}s)"));
        }

        ct.ThrowIfCancellationRequested();
        var features = FeatureBuilder.Build(bars, config);
        ct.ThrowIfCancellationRequested();
        var labels = LabelBuilder.Build(bars, config);
        var split = SplitPlan.ForBars(bars, config);
        ct.ThrowIfCancellationRequested();

        string path = Path.Combine(outputDir, FileName);
        string sha256 = WriteNpz(path, features, labels, split);

        var test = split.Test;
        var testBarStartMs = new long[test.Count];
        for (int i = 0; i < testBarStartMs.Length; i++)
        {
            testBarStartMs[i] = bars.StartMs(features.FirstBar + test.Start + i);
        }

        var trainClasses = ClassCounts.Of(labels.Classes.AsSpan(split.Train.Start, split.Train.Count));
        int firstTestBar = features.FirstBar + test.Start;
        return new BuiltDataset
        {
            TestBook = TestBook.Slice(bars, firstTestBar, test.Count + config.HorizonBars),
            ValidMeanMove = MeanMoveByClass(labels, split.Valid),
            ValidHalfSpread = MedianHalfSpread(bars, features.FirstBar + split.Valid.Start, split.Valid.Count),
            WalkForward = split.WalkForward,
            NpzPath = path,
            Sha256 = sha256,
            FeatureNames = features.Names,
            Counts = split.Counts,
            TestLabels = labels.Classes.AsSpan(test.Start, test.Count).ToArray(),
            TestForwardReturns = labels.ForwardReturns.AsSpan(test.Start, test.Count).ToArray(),
            TestBarStartMs = testBarStartMs,
            TrainClasses = trainClasses,
            ValidClasses = ClassCounts.Of(labels.Classes.AsSpan(split.Valid.Start, split.Valid.Count)),
            TestClasses = ClassCounts.Of(labels.Classes.AsSpan(test.Start, test.Count)),
            TrainMajorityClass = trainClasses.Majority,
            BarSeconds = config.BarSeconds,
            BarsBuilt = bars.Count,
            WarmupBarsDropped = features.FirstBar,
            HorizonBarsDropped = config.HorizonBars,
            EmbargoRowsDropped = 2 * split.EmbargoRows,
            FirstBarStartMs = bars.StartMs(0),
            LastBarStartMs = bars.StartMs(bars.Count - 1),
        };
    }

    /// <summary>Mean forward log return of each realized class (down, flat, up) on <paramref name="rows"/>; 0 for an absent class.</summary>
    public static double[] MeanMoveByClass(LabelSet labels, RowRange rows)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sums = new double[3];
        var counts = new int[3];
        for (int r = rows.Start; r < rows.End; r++)
        {
            sums[labels.Classes[r]] += labels.ForwardReturns[r];
            counts[labels.Classes[r]]++;
        }

        return [.. Enumerable.Range(0, 3).Select(c => counts[c] > 0 ? sums[c] / counts[c] : 0)];
    }

    /// <summary>Median half spread (fraction of the mid) over <paramref name="count"/> bars from <paramref name="first"/>: the taker cost the execution threshold assumes.</summary>
    public static double MedianHalfSpread(BarSeries bars, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (count <= 0)
        {
            return 0;
        }

        var half = new double[count];
        for (int i = 0; i < count; i++)
        {
            double bid = bars.BidPrice[first + i], ask = bars.AskPrice[first + i];
            half[i] = (ask - bid) / (ask + bid);
        }

        Array.Sort(half);
        return count % 2 == 1 ? half[count / 2] : (half[(count / 2) - 1] + half[count / 2]) / 2;
    }

    /// <summary>
    /// Phase 5: writes X_train, y_train, X_valid, y_valid, X_test and feature_names (never the test labels) straight from
    /// the feature and label arrays, through a temporary file renamed at the end; returns the file's SHA-256.
    /// </summary>
    public static string WriteNpz(string path, FeatureMatrix features, LabelSet labels, SplitPlan split)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(split);
        if (features.Rows != labels.Rows || features.FirstBar != labels.FirstBar || split.Test.End > features.Rows)
        {
            throw new ArgumentException("features, labels and split do not describe the same rows", nameof(split));
        }

        string tmp = path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            string sha256;
            var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            using (var hashed = new Sha256WriteStream(file))
            {
                using var npz = new NpzWriter(hashed, leaveOpen: true);
                AddPart(npz, "train", features, labels, split.Train, withLabels: true);
                AddPart(npz, "valid", features, labels, split.Valid, withLabels: true);

                // The trainer predicts the test rows; their labels stay here for the out-of-sample evaluation.
                AddPart(npz, "test", features, labels, split.Test, withLabels: false);
                npz.AddUnicodeVector("feature_names", features.Names);
                npz.Finish();
                sha256 = hashed.HexHash();
            }

            File.Move(tmp, path, overwrite: true);
            return sha256;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new DatasetException($"cannot write {path}: {ex.Message}", ex);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static void AddPart(NpzWriter npz, string part, FeatureMatrix features, LabelSet labels, RowRange rows, bool withLabels)
    {
        npz.AddFloat32Matrix("X_" + part, features.RowSpan(rows.Start, rows.Count), rows.Count, features.Columns);
        if (withLabels)
        {
            npz.AddInt32Vector("y_" + part, labels.Classes.AsSpan(rows.Start, rows.Count));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error is the one worth reporting.
        }
    }
}
