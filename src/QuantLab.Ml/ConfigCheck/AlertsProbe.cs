using System.Net;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>Is anyone told when a night fails? A missing webhook is a warning: runs work, but failures reach only the logs.</summary>
public sealed class AlertsProbe : IConfigProbe
{
    private const string Name = "alerts";

    public Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var a = context.Options.Alerts;
        CheckResult result;
        if (!a.Enabled)
        {
            result = CheckResult.Warn(Name, "Alerts:WebhookUrl is not set: failed runs and leaked machines will only be in the logs");
        }
        else
        {
            var uri = a.WebhookUri;
            var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
            result = uri.Scheme == Uri.UriSchemeHttp && !loopback
                ? CheckResult.Warn(Name, $"{a.Format} webhook {a.MaskedWebhook()} is plain http: its token travels in clear")
                : CheckResult.Ok(Name, $"{a.Format} webhook {a.MaskedWebhook()}");
        }

        return Task.FromResult<IReadOnlyList<CheckResult>>([result]);
    }
}
