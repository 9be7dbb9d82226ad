using System.Text.Json.Serialization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Operations;

/// <summary>What happened, in one line a person paged at night can act on, plus the ids to look it up.</summary>
public sealed record Alert
{
    public required AlertKind Kind { get; init; }
    public required AlertSeverity Severity { get; init; }

    /// <summary>One line: what happened and to what.</summary>
    public required string Summary { get; init; }
    public string? Symbol { get; init; }
    public DateOnly? Date { get; init; }
    public string? JobId { get; init; }
    public string? RunId { get; init; }
    public string? InstanceId { get; init; }

    /// <summary>The reason or error, when there is one.</summary>
    public string? Detail { get; init; }

    /// <summary>A symbol's run failed, or its data never became ready.</summary>
    public static Alert RunFailed(SymbolRunResult run, string runId)
    {
        ArgumentNullException.ThrowIfNull(run);
        var notReady = run.Status == RunStatus.NotReady;
        return new Alert
        {
            Kind = notReady ? AlertKind.DataNotReady : AlertKind.RunFailed,
            Severity = notReady ? AlertSeverity.Warning : AlertSeverity.Critical,
            Summary = notReady
                ? $"run-daily {run.Symbol} {DateText(run.Date)}: data not ready, no model trained"
                : $"run-daily {run.Symbol} {DateText(run.Date)} FAILED",
            Symbol = run.Symbol,
            Date = run.Date,
            JobId = run.JobId,
            RunId = runId,
            Detail = run.Error,
        };
    }

    /// <summary>A systemd unit of ours failed (OnFailure=): killed at its timeout, crashed, or it could not alert on its own.</summary>
    public static Alert UnitFailed(string unit) => new()
    {
        Kind = AlertKind.RunFailed,
        Severity = AlertSeverity.Critical,
        Summary = $"systemd unit {unit} FAILED",
        Detail = $"journalctl -u {unit} -n 100 (errors only: journalctl -u {unit} -p err)",
    };

    /// <summary>run-daily stopped before it could report on every symbol (store unreachable, interrupted, unexpected error).</summary>
    public static Alert RunAborted(string? runId, string reason) => new()
    {
        Kind = AlertKind.RunFailed,
        Severity = AlertSeverity.Critical,
        Summary = "run-daily ABORTED before finishing",
        RunId = runId,
        Detail = reason,
    };

    /// <summary>A candidate became the production model.</summary>
    public static Alert Promoted(SymbolRunResult run, string runId)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Candidate?.Metrics;
        return new Alert
        {
            Kind = AlertKind.Promoted,
            Severity = AlertSeverity.Info,
            Summary = $"{run.Symbol} {DateText(run.Date)} promoted to production",
            Symbol = run.Symbol,
            Date = run.Date,
            JobId = run.JobId,
            RunId = runId,
            Detail = m is null ? null : string.Create(
                NumberText.Invariant,
                $"hit rate {m.DirectionalAccuracy ?? double.NaN:F4} on {m.NDirectional} calls, Sharpe {m.SharpePerBar:G3} ± {m.SharpePerBarSe:G3} per {m.Evaluation.BarSeconds} s bar, net return {m.TotalReturn:P2}, max drawdown {m.MaxDrawdown:P2}"),
        };
    }

    /// <summary>Production was rolled back (call from the rollback command with the manifest it wrote).</summary>
    public static Alert RolledBack(ProductionManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new Alert
        {
            Kind = AlertKind.RolledBack,
            Severity = AlertSeverity.Warning,
            Summary = $"{manifest.Symbol} production rolled back to {TradingDate.Iso(manifest.Version)} by {manifest.ChangedBy}",
            Symbol = manifest.Symbol,
            Date = manifest.Version,
            JobId = manifest.JobId,
            Detail = manifest.Reason,
        };
    }

    /// <summary>A rented machine could not be destroyed: it is costing money until someone (or the reaper) destroys it.</summary>
    public static Alert InstanceLeaked(string instanceId, string? jobId, string reason) => new()
    {
        Kind = AlertKind.InstanceLeaked,
        Severity = AlertSeverity.Critical,
        Summary = $"instance {instanceId} could NOT be destroyed and is still billing",
        InstanceId = instanceId,
        JobId = jobId,
        Detail = reason,
    };

    /// <summary>The reaper destroyed an instance no run owned any more.</summary>
    public static Alert InstanceReaped(string instanceId, string? jobId, string reason) => new()
    {
        Kind = AlertKind.InstanceReaped,
        Severity = AlertSeverity.Warning,
        Summary = $"orphaned instance {instanceId} destroyed by the reaper",
        InstanceId = instanceId,
        JobId = jobId,
        Detail = reason,
    };

    private static string DateText(DateOnly? date) => date is { } d ? TradingDate.Iso(d) : "(date unknown)";
}

/// <summary>Kinds of alert; the generic payload carries them as snake_case strings.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertKind>))]
public enum AlertKind
{
    [JsonStringEnumMemberName("run_failed")] RunFailed,
    [JsonStringEnumMemberName("data_not_ready")] DataNotReady,
    [JsonStringEnumMemberName("instance_leaked")] InstanceLeaked,
    [JsonStringEnumMemberName("instance_reaped")] InstanceReaped,
    [JsonStringEnumMemberName("promoted")] Promoted,
    [JsonStringEnumMemberName("rolled_back")] RolledBack,
}

/// <summary>How urgent an alert is: critical pages, warning is read in the morning, info is a record.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
public enum AlertSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("warning")] Warning,
    [JsonStringEnumMemberName("critical")] Critical,
}
