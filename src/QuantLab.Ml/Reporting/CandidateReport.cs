using QuantLab.Ml.Common;
using Serilog;

namespace QuantLab.Ml.Reporting;

/// <summary>Writes a candidate's report (report.html, PNG charts, report_data.json); a failure never fails the run.</summary>
public static class CandidateReport
{
    public const string DataFile = "report_data.json";

    /// <summary>Renders report.html and the charts from <paramref name="data"/> into <paramref name="dir"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Render(ReportData data, string dir)
    {
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(dir);
        var charts = ReportCharts.Write(data, dir);
        var pngs = charts.ToDictionary(name => name, name => File.ReadAllBytes(Path.Combine(dir, name)), StringComparer.Ordinal);
        File.WriteAllText(Path.Combine(dir, ReportHtml.FileName), ReportHtml.Render(data, pngs));
        return [ReportHtml.FileName, .. charts];
    }

    /// <summary>
    /// Writes report_data.json and renders the report into <paramref name="dir"/>. Returns file name → local path of what
    /// was written; on any failure logs a warning with the reason and returns what it had (possibly nothing).
    /// </summary>
    public static Task<IReadOnlyDictionary<string, string>> TryWriteAsync(ReportData data, string dir, ILogger log, CancellationToken ct) =>
        TryWriteAsync(() => data, dir, log, ct);

    /// <summary>As the other overload, with the data gathered inside the guard, so a failure to gather it is caught too.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> TryWriteAsync(Func<ReportData> gather, string dir, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(gather);
        ArgumentNullException.ThrowIfNull(log);
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        ReportData? data = null;
        try
        {
            data = gather();
            Directory.CreateDirectory(dir);
            var dataPath = Path.Combine(dir, DataFile);
            await Json.WriteFileAsync(dataPath, data, ReportingJson.Indented.ReportData, ct).ConfigureAwait(false);
            written[DataFile] = dataPath;
            foreach (var name in Render(data, dir))
            {
                written[name] = Path.Combine(dir, name);
            }

            return written;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The report explains a decision; it is not part of it. Losing it must never lose the candidate.
            log.Warning("Could not write the report for {JobId}; the run continues without it: {Reason}", data?.JobId, ex.GetType().Name + ": " + ex.Message);
            return written.Where(f => f.Key == DataFile).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        }
    }
}
