using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training;

/// <summary>XGBoost training parameters handed to the Python trainer unchanged.</summary>
public sealed record XgboostParams
{
    public string Objective { get; set; } = "multi:softprob";
    public int NumClass { get; set; } = 3;
    public string TreeMethod { get; set; } = "hist";
    public int MaxDepth { get; set; } = 6;
    public double Eta { get; set; } = 0.1;
    public double Subsample { get; set; } = 0.8;
    public double ColsampleBytree { get; set; } = 0.8;
    public double MinChildWeight { get; set; } = 1.0;
    public int NumBoostRound { get; set; } = 500;
    public int EarlyStoppingRounds { get; set; } = 30;
    public string EvalMetric { get; set; } = "mlogloss";
    public int Seed { get; set; } = 42;

    /// <summary>0 lets XGBoost use every core.</summary>
    public int Nthread { get; set; }

    public const string Section = "Xgboost";

    /// <summary>Throws <see cref="Common.UsageException"/> naming the first value out of range.</summary>
    public void Validate() => ConfigRules.Require(Section, Rules);

    /// <summary>The allowed values (section "Xgboost"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.OneOf(nameof(Objective), Objective, "multi:softprob");
        r.That(NumClass == 3, nameof(NumClass), NumClass, "3 (down, flat, up)");
        r.OneOf(nameof(TreeMethod), TreeMethod, "hist", "approx", "exact");
        r.Whole(nameof(MaxDepth), MaxDepth, 1, 32);
        r.Number(nameof(Eta), Eta, 0, 1, aboveMin: true);
        r.Fraction(nameof(Subsample), Subsample, aboveZero: true);
        r.Fraction(nameof(ColsampleBytree), ColsampleBytree, aboveZero: true);
        r.Number(nameof(MinChildWeight), MinChildWeight, 0, 1_000_000);
        r.Whole(nameof(NumBoostRound), NumBoostRound, 1, 100_000);
        r.Whole(nameof(EarlyStoppingRounds), EarlyStoppingRounds, 0, 100_000);
        r.OneOf(nameof(EvalMetric), EvalMetric, "mlogloss", "merror", "auc");
        r.Whole(nameof(Nthread), Nthread, 0, 1024, "(0 = every core)");
    }
}
