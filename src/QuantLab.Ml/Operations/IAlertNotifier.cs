namespace QuantLab.Ml.Operations;

/// <summary>Sends alerts. Never throws: a failure to alert is logged and must not fail the run that raised it.</summary>
public interface IAlertNotifier
{
    /// <summary>Logs the alert and delivers it; true when a receiver accepted it.</summary>
    Task<bool> NotifyAsync(Alert alert, CancellationToken ct);
}
