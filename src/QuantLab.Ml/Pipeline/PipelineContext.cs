using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using Serilog;

namespace QuantLab.Ml.Pipeline;

/// <summary>The parts a daily run is composed of, built once by the command line.</summary>
public sealed record PipelineContext
{
    public required QuantLabOptions Options { get; init; }
    public required ICompactDataSource Data { get; init; }
    public required ModelRegistry Registry { get; init; }
    public required IComputeProvider Provider { get; init; }
    public required EvaluationConfig Evaluation { get; init; }
    public required PromotionPolicyConfig Policy { get; init; }
    public required TimeProvider Time { get; init; }
    public required ILogger Log { get; init; }

    /// <summary>This invocation's folder: log file and one sub-folder per job.</summary>
    public required string RunDir { get; init; }

    /// <summary>Leftovers of earlier runs to destroy before anything is rented (providers that rent, with a key); null otherwise.</summary>
    public LeftoverReaping? Leftovers { get; init; }

    /// <summary>The run's time model (job life for locks and batches, bounds of cleanup writes); null = runtime limits and 15 s writes.</summary>
    public TimeBudget? Budget { get; init; }

    /// <summary>Who changes production, for the history (user@host).</summary>
    public string Operator { get; init; } = $"{Environment.UserName}@{Environment.MachineName}";
}
