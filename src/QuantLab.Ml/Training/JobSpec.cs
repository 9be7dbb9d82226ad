using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Training;

/// <summary>Everything that defines one training job; serialized to job.json and read by the Python trainer.</summary>
public sealed record JobSpec
{
    public int SchemaVersion { get; init; } = 1;

    /// <summary>job-&lt;symbol&gt;-&lt;yyyyMMdd&gt;-&lt;12 hex&gt;, derived from symbol, date, window, dataset hash and config hash.</summary>
    public required string JobId { get; init; }
    public required string Symbol { get; init; }
    public required string Exchange { get; init; }
    public required string Stream { get; init; }
    public required DateOnly Date { get; init; }
    public required int WindowDays { get; init; }
    public required IReadOnlyList<DataPartition> Partitions { get; init; }
    public required DatasetConfig Dataset { get; init; }

    /// <summary>sha256 of dataset.npz (written deterministically).</summary>
    public required string DatasetSha256 { get; init; }
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required DatasetCounts Counts { get; init; }
    public required XgboostParams Xgboost { get; init; }
    public required RuntimeLimits Runtime { get; init; }

    /// <summary>auto (CUDA when usable, else CPU), cpu, or cuda (fail when no GPU).</summary>
    public required string Device { get; init; }

    /// <summary>sha256 of the canonical JSON of every configuration value that shapes the model.</summary>
    public required string ConfigHash { get; init; }
    public OutputLayout Outputs { get; init; } = new();
}

/// <summary>Runtime limits the trainer host enforces.</summary>
public sealed record RuntimeLimits
{
    public int MaxRuntimeMinutes { get; set; } = 60;

    /// <summary>Extra time for provisioning, transfers and teardown: no lock, and no rented machine, outlives runtime + margin.</summary>
    public int MarginMinutes { get; set; } = 30;

    public TimeSpan Hard => TimeSpan.FromMinutes(MaxRuntimeMinutes + MarginMinutes);

    /// <summary>The allowed values (section "Runtime"). A negative margin would write the job lock already expired and arm the on-box watchdog before training starts; a huge one disarms it.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Whole(nameof(MaxRuntimeMinutes), MaxRuntimeMinutes, 1, 24 * 60, "minutes");
        r.Whole(nameof(MarginMinutes), MarginMinutes, 0, 12 * 60, "minutes");
    }
}

/// <summary>File names of the trainer's outputs.</summary>
public sealed record OutputLayout
{
    public string Model { get; init; } = "model.bin";
    public string Predictions { get; init; } = "predictions.npy";
    public string ProductionPredictions { get; init; } = "predictions_production.npy";
    public string TrainMetrics { get; init; } = "train_metrics.json";
    public string Runtime { get; init; } = "runtime.json";
    public string Log { get; init; } = "train.log";
}
