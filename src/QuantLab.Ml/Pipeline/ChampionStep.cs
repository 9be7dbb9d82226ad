using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>The champion prepared for a run: its files for the trainer and how it is going to be compared.</summary>
public sealed record ChampionSetup
{
    public required ProductionManifest Manifest { get; init; }
    public required string ETag { get; init; }

    /// <summary>The champion's metrics.json from its own day: for information only, never compared with.</summary>
    public required ModelMetrics StoredMetrics { get; init; }

    /// <summary>The production model.bin for the trainer to re-score; null when re-scoring cannot give a like-for-like score.</summary>
    public string? ModelFile { get; init; }

    /// <summary>The champion's own test features for the candidate's test bars (--production-data), when its features differ.</summary>
    public string? DataFile { get; init; }

    /// <summary>How the champion will be scored if the trainer succeeds; NotComparable when it cannot be.</summary>
    public required ChampionComparison Planned { get; init; }

    public required string Reason { get; init; }
}

/// <summary>
/// Fetches the champion before training and decides how to score it on the candidate's test window: with the
/// candidate's test features when the feature configurations match, with test features built from the champion's own
/// configuration (its job.json, kept with its candidate files) when only the windows differ, and not at all when it
/// predicts another target (bars, horizon or dead band differ).
/// </summary>
public static class ChampionStep
{
    public static async Task<ChampionSetup?> PrepareAsync(PipelineContext context, PlannedJob planned, string jobDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(planned);
        var registry = context.Registry;
        var spec = planned.Spec;
        if (await registry.GetProductionAsync(spec.Symbol, ct).ConfigureAwait(false) is not { } production)
        {
            return null;
        }

        var manifest = production.Manifest;
        var modelFile = Path.Combine(jobDir, "production-model.bin");
        await registry.DownloadProductionFileAsync(manifest, ModelRegistry.ModelFile, modelFile, ct).ConfigureAwait(false);
        var metricsPath = Path.Combine(jobDir, "production-metrics.json");
        await registry.DownloadProductionFileAsync(manifest, ModelRegistry.MetricsFile, metricsPath, ct).ConfigureAwait(false);
        var stored = await Json.ReadFileAsync(metricsPath, PipelineJson.Indented.ModelMetrics, ct).ConfigureAwait(false);
        var setup = new ChampionSetup
        {
            Manifest = manifest,
            ETag = production.ETag,
            StoredMetrics = stored,
            ModelFile = modelFile,
            Planned = ChampionComparison.SameFeatures,
            Reason = "re-scored on the candidate's test features",
        };

        var championJob = await ReadChampionJobAsync(registry, manifest, jobDir, ct).ConfigureAwait(false);
        if (championJob is null)
        {
            // Without its job.json only the trainer can tell whether the features match; it skips the re-score when they do not.
            return setup with { Reason = "re-scored on the candidate's test features (the champion's job.json is not in the store, so its feature configuration is unknown)" };
        }

        if (ChampionTestFeatures.Incompatibility(spec.Dataset, championJob.Dataset) is { } why)
        {
            return setup with { ModelFile = null, Planned = ChampionComparison.NotComparable, Reason = why };
        }

        if (championJob.FeatureNames.SequenceEqual(spec.FeatureNames, StringComparer.Ordinal))
        {
            return setup;
        }

        try
        {
            var files = new List<string>();
            foreach (var partition in spec.Partitions)
            {
                files.Add(await context.Data.GetLocalFileAsync(partition.Key, ct).ConfigureAwait(false));
            }

            var ticks = await CompactParquetReader.ReadAsync(files, ct).ConfigureAwait(false);
            var features = ChampionTestFeatures.Build(ticks, spec.Dataset, championJob.Dataset, planned.Dataset.TestBarStartMs);
            if (!features.Names.SequenceEqual(championJob.FeatureNames, StringComparer.Ordinal))
            {
                throw new QuantLabException("the champion's feature configuration gives other feature names than its job.json lists");
            }

            var dataFile = Path.Combine(jobDir, "production-data.npz");
            ChampionTestFeatures.WriteNpz(dataFile, features);
            context.Log.Information(
                "Champion {ChampionJobId} uses other features ({ChampionFeatures} columns); built its test features for the same {TestRows} test bars",
                manifest.JobId, features.Columns, features.Rows);
            return setup with
            {
                DataFile = dataFile,
                Planned = ChampionComparison.OwnFeatures,
                Reason = $"re-scored on the candidate's test bars with test features built from its own feature configuration ({features.Columns} features)",
            };
        }
        catch (QuantLabException ex)
        {
            return setup with { ModelFile = null, Planned = ChampionComparison.NotComparable, Reason = "its own test features could not be built: " + ex.Message };
        }
    }

    private static async Task<JobSpec?> ReadChampionJobAsync(ModelRegistry registry, ProductionManifest manifest, string jobDir, CancellationToken ct)
    {
        var candidate = await registry.GetCandidateAsync(manifest.Symbol, manifest.Version, ct).ConfigureAwait(false);
        if (candidate is null || candidate.JobId != manifest.JobId || !candidate.Files.ContainsKey("job.json"))
        {
            return null;
        }

        var path = Path.Combine(jobDir, "production-job.json");
        await registry.DownloadCandidateFileAsync(candidate, "job.json", path, ct).ConfigureAwait(false);
        return await Json.ReadFileAsync(path, PipelineJson.Indented.JobSpec, ct).ConfigureAwait(false);
    }
}
