using System.Globalization;

namespace QuantLab.Ml.Dataset;

/// <summary>Phase 4: the chronological train / valid / test rows, with embargo rows dropped between consecutive parts.</summary>
/// <remarks>
/// Row r's label reads the mid of bars r..r+horizon. With an embargo of at least the horizon (the default), the last
/// label window of a part ends before the next part's first bar, so no part sees another part's future.
/// </remarks>
public sealed record SplitPlan
{
    public required RowRange Train { get; init; }
    public required RowRange Valid { get; init; }
    public required RowRange Test { get; init; }

    /// <summary>Rows dropped after train and again after valid.</summary>
    public required int EmbargoRows { get; init; }

    /// <summary>
    /// True when the test part is the window's most recent full UTC day and train/valid are the days before it (walk
    /// forward); false for the intra-day split of a one-day window (or too little history), whose test part is shorter
    /// than a day.
    /// </summary>
    public bool WalkForward { get; init; }

    public DatasetCounts Counts => new() { Train = Train.Count, Valid = Valid.Count, Test = Test.Count };

    private const long DayMs = 86_400_000;

    /// <summary>
    /// The split of a window's bars: walk forward (test = every usable row whose bar starts on the last UTC day of the
    /// window; train and valid = the rows before it, split by their fractions, each part embargoed by the label horizon)
    /// when the earlier days give at least half as many train+valid rows as the test day has; else the intra-day
    /// <see cref="Create"/>.
    /// </summary>
    public static SplitPlan ForBars(BarSeries bars, DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(config);
        int rows = FeatureBuilder.UsableRows(bars.Count, config);
        int warmup = FeatureBuilder.WarmupBars(config);
        if (rows > 0)
        {
            long lastDayStart = Math.DivRem(bars.StartMs(bars.Count - 1), DayMs).Quotient * DayMs;
            long firstRowBar = bars.StartMs(warmup);
            int testStart = firstRowBar >= lastDayStart ? 0 : (int)Math.Min(rows, ((lastDayStart - firstRowBar) + bars.BarMs - 1) / bars.BarMs);
            int embargo = config.EffectiveEmbargoBars;
            int test = rows - testStart;
            int before = Math.Min(testStart, LiveRowsBefore(bars, warmup, testStart)) - (2 * embargo);
            double trainShare = config.TrainFraction / (config.TrainFraction + config.ValidFraction);
            int train = (int)Math.Floor(before * trainShare);
            int valid = before - train;
            if (test >= 1 && train >= 1 && valid >= 1 && 2L * before >= test)
            {
                return new SplitPlan
                {
                    Train = new RowRange(0, train),
                    Valid = new RowRange(train + embargo, valid),
                    Test = new RowRange(testStart, test),
                    EmbargoRows = embargo,
                    WalkForward = true,
                };
            }
        }

        return Create(rows, config);
    }

    /// <summary>
    /// Rows before <paramref name="testStart"/> up to the last bar that saw an update. A day that covers only some of its
    /// hours (a collector outage, or the 6-hour sample days) leaves the book carried forward until the next day: hours of
    /// identical feature rows labelled "flat". In train they teach nothing; in valid they made the validation loss ~0 (so
    /// early stopping never stopped) and every class's mean move ~0 (so no expected move ever paid a trade).
    /// </summary>
    private static int LiveRowsBefore(BarSeries bars, int warmup, int testStart)
    {
        int bar = Math.Min(bars.Count, warmup + testStart) - 1;
        while (bar >= warmup && bars.Updates[bar] == 0)
        {
            bar--;
        }

        return bar - warmup + 1;
    }

    /// <summary>
    /// Splits <paramref name="rows"/> usable rows: after removing two embargoes, train and valid get the floor of their
    /// fraction and test the rest. Throws <see cref="DatasetException"/> when a part would be empty.
    /// </summary>
    public static SplitPlan Create(int rows, DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int embargo = config.EffectiveEmbargoBars;
        int needed = MinimumRows(config);
        if (rows < needed)
        {
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{rows} usable rows cannot be split: needs at least {needed} (2 embargoes of {embargo} bars and one row per part)"));
        }

        int available = rows - (2 * embargo);
        var (train, valid, test) = Allocate(available, config);
        var trainRange = new RowRange(0, train);
        var validRange = new RowRange(trainRange.End + embargo, valid);
        var testRange = new RowRange(validRange.End + embargo, test);
        return new SplitPlan { Train = trainRange, Valid = validRange, Test = testRange, EmbargoRows = embargo };
    }

    /// <summary>The fewest usable rows (embargoes included) that give every part at least one row.</summary>
    public static int MinimumRows(DatasetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);

        // Train and valid get floor(a·f), which is 0 below a = 1/f, so no smaller count can work; from there step up
        // (a few steps at most: rounding, and test gets at least a·test_fraction once that reaches 1).
        double floored = Math.Min(config.TrainFraction, config.ValidFraction);
        int available = (int)Math.Min(int.MaxValue / 2, Math.Max(3, Math.Floor(1.0 / floored) - 1));
        while (true)
        {
            var (train, valid, test) = Allocate(available, config);
            if (train >= 1 && valid >= 1 && test >= 1)
            {
                return available + (2 * config.EffectiveEmbargoBars);
            }

            available++;
        }
    }

    private static (int Train, int Valid, int Test) Allocate(int available, DatasetConfig config)
    {
        int train = (int)Math.Floor(available * config.TrainFraction);
        int valid = (int)Math.Floor(available * config.ValidFraction);
        return (train, valid, available - train - valid);
    }
}
