namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>What an instance costs and how long the fixed parts take.</summary>
public sealed record NightCostModel
{
    /// <summary>Per instance: the dph_total of the offer.</summary>
    public required double DollarsPerHour { get; init; }

    /// <summary>Provisioning, boot and the one bootstrap, paid once per instance.</summary>
    public required TimeSpan InstanceSetup { get; init; }

    /// <summary>Upload, start, poll and download, paid once per symbol.</summary>
    public required TimeSpan PerJobOverhead { get; init; }

    /// <summary>Bandwidth cost of the datasets sent, per 1e9 bytes; 0 when the offer does not say.</summary>
    public double UploadUsdPerGb { get; init; }
}
