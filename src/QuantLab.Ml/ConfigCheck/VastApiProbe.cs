using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>With provider vast and a key present: asks Vast who we are (users/current), so a rejected key shows before the night.</summary>
public sealed class VastApiProbe : IConfigProbe
{
    private const string Name = "vast api";

    public async Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Options.Provider != ComputeProviderKind.Vast)
        {
            return [];
        }

        var options = context.Options.Vast;
        var key = VastApiKey.Resolve(k => context.Environment.GetValueOrDefault(k), options);
        if (key is null)
        {
            return [CheckResult.Skipped(Name, "no key to try (see the vast api key check)")];
        }

        using var http = new HttpClient { BaseAddress = options.BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        var client = new VastClient(http, options with { Backoff = options.Backoff with { MaxRetries = 1 } }, key, context.Time, context.Log);
        try
        {
            var user = await client.GetCurrentUserAsync(ct).ConfigureAwait(false);
            return [CheckResult.Ok(Name, $"{options.BaseUrl} accepts the key (user {user.Id}, credit {user.Credit:F2})")];
        }
        catch (VastApiException ex)
        {
            return [CheckResult.Fail(Name, ex.Message)];
        }
    }
}
