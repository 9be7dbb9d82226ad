using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>Builds the dataset of a ready window and the job spec whose id names it.</summary>
public static class JobPlanner
{
    /// <summary>sha256 of every configuration value that shapes the model (not runtime limits or promotion rules).</summary>
    public static string ConfigHash(QuantLabOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Hashing.Sha256(Json.Serialize(
            new ConfigHashInput(options.Exchange, options.Stream, options.WindowDays, options.EffectiveDevice, options.Dataset, options.Xgboost), PipelineJson.Compact.ConfigHashInput));
    }

    /// <summary>job-&lt;market key&gt;-&lt;yyyyMMdd&gt;-&lt;12 hex&gt;: the same inputs always give the same id.</summary>
    public static string JobId(string symbol, DateOnly date, int windowDays, string datasetSha256, string configHash)
    {
        var digest = Hashing.Sha256($"{symbol}|{TradingDate.Compact(date)}|{windowDays}|{datasetSha256}|{configHash}");
        return $"job-{symbol}-{TradingDate.Compact(date)}-{digest[..12]}";
    }

    /// <summary>
    /// Reads the window's parquet files, builds dataset.npz in <paramref name="jobDir"/> and writes job.json beside it.
    /// <paramref name="symbol"/> is the market key; the spec's exchange (and so its config hash) is the market's.
    /// </summary>
    public static async Task<PlannedJob> PlanAsync(
        QuantLabOptions options, ICompactDataSource source, string symbol, DateOnly date, IReadOnlyList<DataPartition> partitions,
        string jobDir, CancellationToken ct)
    {
        options = options with { Exchange = Market.Parse(symbol, options.Exchange).Exchange };
        Directory.CreateDirectory(jobDir);
        var files = new List<string>();
        foreach (var partition in partitions)
        {
            files.Add(await source.GetLocalFileAsync(partition.Key, ct).ConfigureAwait(false));
        }

        var ticks = await CompactParquetReader.ReadAsync(files, ct).ConfigureAwait(false);
        var built = DatasetBuilder.Build(ticks, options.Dataset, jobDir, ct);
        var configHash = ConfigHash(options);
        var spec = new JobSpec
        {
            JobId = JobId(symbol, date, options.WindowDays, built.Sha256, configHash),
            Symbol = symbol,
            Exchange = options.Exchange,
            Stream = options.Stream,
            Date = date,
            WindowDays = options.WindowDays,
            Partitions = partitions,
            Dataset = options.Dataset,
            DatasetSha256 = built.Sha256,
            FeatureNames = built.FeatureNames,
            Counts = built.Counts,
            Xgboost = options.Xgboost,
            Runtime = options.Runtime,
            Device = options.EffectiveDevice,
            ConfigHash = configHash,
        };
        var jobFile = Path.Combine(jobDir, "job.json");
        await Json.WriteFileAsync(jobFile, spec, PipelineJson.Indented.JobSpec, ct).ConfigureAwait(false);
        return new PlannedJob(spec, built, jobFile, ticks.Count);
    }
}

/// <summary>A job ready to train: its spec, the dataset (with the test labels kept here) and where job.json is.</summary>
public sealed record PlannedJob(JobSpec Spec, BuiltDataset Dataset, string JobFile, int TickRows);

/// <summary>What <see cref="JobPlanner.ConfigHash"/> hashes, in this order (the order is part of every job id).</summary>
internal sealed record ConfigHashInput(string Exchange, string Stream, int WindowDays, string Device, DatasetConfig Dataset, XgboostParams Xgboost);
