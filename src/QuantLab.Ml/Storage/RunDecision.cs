using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// What a run did with its candidate; the run summary stores it under these snake_case names ("promoted", "rejected",
/// "skipped"), and `runs`, `status`, the metrics file and the run report print them. It lives here, not beside the gate's
/// verdict (PromotionOutcome, promoted or rejected), because the run summary of this folder stores it and Storage uses Common only.
/// </summary>
[JsonConverter(typeof(SnakeCaseNames<RunDecision>))]
public enum RunDecision
{
    /// <summary>The gate passed and production now points at the candidate.</summary>
    Promoted,

    /// <summary>The gate said no: the candidate is stored, production is unchanged.</summary>
    Rejected,

    /// <summary>--skip-promotion: the gate was not acted on, production is unchanged.</summary>
    Skipped,
}

/// <summary>The names of <see cref="RunDecision"/> as the run summary stores them, for tables and log lines.</summary>
public static class RunDecisionNames
{
    /// <summary>The name on disk (and in tables and metrics labels), e.g. "promoted".</summary>
    public static string Wire(this RunDecision decision) => Json.Name(decision, StorageJson.Compact.RunDecision);
}
