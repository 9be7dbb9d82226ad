using QuantLab.Ml.Common;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Pipeline;

/// <summary>Production, history and candidates of one symbol, as `models` shows them.</summary>
public sealed record ModelListing
{
    public required string Symbol { get; init; }
    public ProductionManifest? Production { get; init; }
    public required IReadOnlyList<ProductionManifest> History { get; init; }
    public required IReadOnlyList<CandidateSummary> Candidates { get; init; }

    /// <summary>The newest candidates' reports, newest first (at most <see cref="LatestReportCount"/>).</summary>
    public IReadOnlyList<CandidateSummary> LatestReports => Candidates.Where(c => c.Report is not null).OrderByDescending(c => c.Date).Take(LatestReportCount).ToList();

    public const int LatestReportCount = 5;

    public static async Task<ModelListing> LoadAsync(ModelRegistry registry, string symbol, CancellationToken ct)
    {
        var production = await registry.GetProductionAsync(symbol, ct).ConfigureAwait(false);
        var history = await registry.GetHistoryAsync(symbol, ct).ConfigureAwait(false);
        var candidates = new List<CandidateSummary>();
        foreach (var candidate in await registry.ListCandidatesAsync(symbol, ct).ConfigureAwait(false))
        {
            var prefix = ModelRegistry.CandidatePrefix(candidate.Symbol, candidate.Date);
            var metrics = await registry.Store.ReadTextAsync(prefix + ModelRegistry.MetricsFile, ct).ConfigureAwait(false);
            var decision = await registry.Store.ReadTextAsync(prefix + "promotion.json", ct).ConfigureAwait(false);
            candidates.Add(new CandidateSummary
            {
                Date = candidate.Date,
                JobId = candidate.JobId,
                Metrics = metrics is null ? null : Json.Deserialize(metrics.Content, PipelineJson.Indented.ModelMetrics, prefix + ModelRegistry.MetricsFile),
                Decision = decision is null ? "unknown" : Json.Deserialize(decision.Content, PipelineJson.Indented.DecisionRecord, prefix + "promotion.json").Decision.Decision.ToString().ToLowerInvariant(),
                InProduction = production is { } p && p.Manifest.JobId == candidate.JobId && p.Manifest.Version == candidate.Date,
                Report = candidate.Files.ContainsKey(Reporting.ReportHtml.FileName) ? registry.Store.Root.TrimEnd('/') + "/" + prefix + Reporting.ReportHtml.FileName : null,
            });
        }

        return new ModelListing { Symbol = symbol, Production = production?.Manifest, History = history, Candidates = candidates };
    }
}

/// <summary>One candidate in a listing: key metrics and the decision made when it was trained.</summary>
public sealed record CandidateSummary
{
    public required DateOnly Date { get; init; }
    public required string JobId { get; init; }
    public ModelMetrics? Metrics { get; init; }
    public required string Decision { get; init; }
    public required bool InProduction { get; init; }

    /// <summary>Where the candidate's report.html is (a path or store URL), when it has one.</summary>
    public string? Report { get; init; }
}
