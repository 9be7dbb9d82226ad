namespace QuantLab.Ml.ConfigCheck;

/// <summary>The probes this library provides; the CLI appends the ones of other parts (Vast API, S3 buckets) when they exist.</summary>
public static class ConfigProbes
{
    public static IReadOnlyList<IConfigProbe> Standard() =>
        [new PathsProbe(), new S3Probe(), new PythonProbe(), new FilesProbe(), new VastCredentialsProbe(), new AlertsProbe()];
}
