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

    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new Common.UsageException("xgboost config: " + message);
            }
        }

        Check(NumClass == 3, "num_class must be 3 (down, flat, up)");
        Check(MaxDepth is >= 1 and <= 32, $"max_depth must be 1..32, got {MaxDepth}");
        Check(Eta is > 0 and <= 1, $"eta must be in (0, 1], got {Eta}");
        Check(NumBoostRound is >= 1 and <= 100_000, $"num_boost_round must be 1..100000, got {NumBoostRound}");
        Check(EarlyStoppingRounds >= 0, "early_stopping_rounds must be >= 0");
        Check(Subsample is > 0 and <= 1, "subsample must be in (0, 1]");
        Check(ColsampleBytree is > 0 and <= 1, "colsample_bytree must be in (0, 1]");
    }
}
