using QuantLab.Ml.Training;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>
/// With provider vast, an API key must be present (VAST_API_KEY or Vast:ApiKeyFile). Whether Vast accepts it is the Vast
/// API probe's job (users/current), which belongs with the Vast client.
/// </summary>
public sealed class VastCredentialsProbe : IConfigProbe
{
    private const string Name = "vast api key";

    public Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Options.Provider != ComputeProviderKind.Vast)
        {
            return Task.FromResult<IReadOnlyList<CheckResult>>([]);
        }

        var result = !string.IsNullOrWhiteSpace(context.Environment.GetValueOrDefault("VAST_API_KEY"))
            ? CheckResult.Ok(Name, "present in VAST_API_KEY (***)")
            : !string.IsNullOrWhiteSpace(context.Options.Vast.ApiKeyFile)
                ? CheckResult.Ok(Name, "Vast:ApiKeyFile is set (see its file check)")
                : CheckResult.Fail(Name, "no Vast API key: set VAST_API_KEY in the env file (/etc/quantlab-ml/quantlab-ml.env) or Vast:ApiKeyFile");
        return Task.FromResult<IReadOnlyList<CheckResult>>([result]);
    }
}
