using System.Reflection;
using System.Text.Json;
using QuantLab.Ml.Common;
using QuantLab.Ml.Reporting;

namespace QuantLab.Ml.Pipeline;

/// <summary>The parts of a candidate's decision files that are gathered from the job's files: provenance and report data.</summary>
public static class DecisionFiles
{
    /// <summary>quantlab-ml's informational version, with the git commit it was built from.</summary>
    public static string CodeVersion { get; } =
        typeof(DecisionFiles).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>sha256 of every input of the decision, and the versions of code, trainer and data.</summary>
    public static async Task<DecisionProvenance> ProvenanceAsync(
        PlannedJob planned, string outputDir, ChampionSetup? champion, bool championRescored, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var outputs = planned.Spec.Outputs;
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model.bin"] = await Hashing.Sha256FileAsync(Path.Combine(outputDir, outputs.Model), ct).ConfigureAwait(false),
            ["predictions.npy"] = await Hashing.Sha256FileAsync(Path.Combine(outputDir, outputs.Predictions), ct).ConfigureAwait(false),
        };
        if (champion is not null)
        {
            inputs["production/model.bin"] = champion.Manifest.ModelSha256;
            inputs["production/metrics.json"] = champion.Manifest.MetricsSha256;
            if (champion.DataFile is { } data)
            {
                inputs["production-data.npz"] = await Hashing.Sha256FileAsync(data, ct).ConfigureAwait(false);
            }

            if (championRescored)
            {
                inputs["predictions_production.npy"] = await Hashing.Sha256FileAsync(Path.Combine(outputDir, outputs.ProductionPredictions), ct).ConfigureAwait(false);
            }
        }

        var (trainer, xgboost) = TrainerVersions(Path.Combine(outputDir, outputs.Runtime));
        return new DecisionProvenance
        {
            QuantlabMlVersion = CodeVersion,
            TrainerVersion = trainer,
            XgboostVersion = xgboost,
            ConfigHash = planned.Spec.ConfigHash,
            DatasetSha256 = planned.Spec.DatasetSha256,
            TestLabelsSha256 = EvaluateStep.TestLabelsSha256(planned.Dataset),
            Data = planned.Spec.Partitions.ToDictionary(p => p.Key, p => p.Sha256, StringComparer.Ordinal),
            Inputs = inputs,
        };
    }

    /// <summary>What the report shows: metrics, decision, per-period returns with their times, calibration and importance.</summary>
    public static ReportData ReportData(PlannedJob planned, string outputDir, CandidateEvaluation evaluation, DecisionProvenance provenance, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(provenance);
        var book = planned.Dataset.TestBook;
        var bars = evaluation.Candidate.PeriodReturns.Count;
        var step = Math.Max(1, (bars + ChartPoints - 1) / ChartPoints);
        var facts = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["quantlab-ml"] = provenance.QuantlabMlVersion,
            ["trainer / xgboost"] = $"{provenance.TrainerVersion ?? "?"} / {provenance.XgboostVersion ?? "?"}",
            ["config hash"] = provenance.ConfigHash,
            ["dataset sha256"] = provenance.DatasetSha256,
            ["test labels sha256"] = provenance.TestLabelsSha256,
        };
        foreach (var (name, sha) in provenance.Inputs)
        {
            facts[name + " sha256"] = sha;
        }

        foreach (var (key, sha) in provenance.Data)
        {
            facts[key] = sha;
        }

        return new ReportData
        {
            Symbol = planned.Spec.Symbol,
            Date = planned.Spec.Date,
            JobId = planned.Spec.JobId,
            GeneratedAt = now,
            Decision = evaluation.Decision,
            Candidate = evaluation.Candidate,
            Baseline = evaluation.Baseline,
            ImbalanceBaseline = evaluation.ImbalanceBaseline,
            Champion = evaluation.Champion,
            Paired = evaluation.Paired,
            Sensitivity = evaluation.Sensitivity,

            // Return i of a run is earned over bar i + 1 of the book.
            PeriodStartMs = Enumerable.Range(0, (bars + step - 1) / step).Select(j => book.FirstBarStartMs + (((j * step) + 1) * book.BarMs)).ToList(),
            CandidateReturns = Compound(evaluation.Candidate.PeriodReturns, step),
            BaselineReturns = Compound(evaluation.Baseline.PeriodReturns, step),
            ImbalanceReturns = evaluation.ImbalanceBaseline is { } imbalance ? Compound(imbalance.PeriodReturns, step) : null,
            ChampionReturns = evaluation.Champion is { IsComparable: true } && evaluation.ProductionSameWindow is { } champion ? Compound(champion.PeriodReturns, step) : null,
            Calibration = Calibration.Compute(evaluation.Probabilities, planned.Dataset.TestLabels),
            FeatureImportance = Importance(Path.Combine(outputDir, planned.Spec.Outputs.TrainMetrics)),
            Facts = facts,
        };
    }

    /// <summary>Most points a chart series gets; a day of 1 s bars is compounded into about 2 minutes per point.</summary>
    private const int ChartPoints = 720;

    /// <summary>Per-bar returns compounded over consecutive groups of <paramref name="step"/> bars.</summary>
    public static IReadOnlyList<double> Compound(IReadOnlyList<double> returns, int step)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var result = new List<double>((returns.Count / step) + 1);
        for (var i = 0; i < returns.Count; i += step)
        {
            var growth = 1.0;
            for (var j = i; j < Math.Min(returns.Count, i + step); j++)
            {
                growth *= 1 + returns[j];
            }

            result.Add(growth - 1);
        }

        return result;
    }

    private static (string? Trainer, string? Xgboost) TrainerVersions(string runtimeFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(runtimeFile));
            var root = doc.RootElement;
            return (Text(root, "trainer_version"), Text(root, "xgboost_version"));
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return (null, null);
        }
    }

    private static List<FeatureImportance> Importance(string trainMetricsFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(trainMetricsFile));
            if (doc.RootElement.TryGetProperty("feature_importance_gain", out var gains) && gains.ValueKind == JsonValueKind.Object)
            {
                return gains.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).Select(p => new FeatureImportance(p.Name, p.Value.GetDouble())).ToList();
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            // The chart then says there is no importance; the rest of the report stands.
        }

        return [];
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
