using System.Globalization;

namespace QuantLab.Ml.Training.Providers;

/// <summary>
/// The onstart script of a rented instance: a watchdog that, once max runtime + margin has passed, stops the trainer and
/// destroys the instance itself with the instance-scoped key Vast injects (CONTAINER_API_KEY), so the machine cannot
/// outlive its job even when quantlab-ml died and nobody ran reap-orphans.
/// </summary>
public static class VastWatchdog
{
    public static string OnstartScript(TimeSpan hardLimit, string apiBaseUrl)
    {
        var seconds = ((long)Math.Ceiling(hardLimit.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var baseUrl = apiBaseUrl.TrimEnd('/');
        if (baseUrl.Any(c => c is '\'' or '"' or '`' or '$' or '\\' || char.IsWhiteSpace(c)))
        {
            throw new Common.UsageException($"Vast base URL '{baseUrl}' cannot be used in the watchdog script");
        }

        // The instance id: CONTAINER_ID when Vast sets it, else the number in VAST_CONTAINERLABEL ("C.12345").
        return $$$"""
            nohup sh -c 'sleep {{{seconds}}}; pkill -f quantlab_trainer; id="${CONTAINER_ID:-${VAST_CONTAINERLABEL#C.}}"; curl -fsS -X DELETE -H "Authorization: Bearer $CONTAINER_API_KEY" "{{{baseUrl}}}/api/v0/instances/$id/"' >/var/log/quantlab-watchdog.log 2>&1 &
            """;
    }
}
