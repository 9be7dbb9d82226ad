using QuantLab.Ml.Common;

namespace QuantLab.Ml.Operations;

/// <summary>The Prometheus textfile written after each run (section "Metrics"), for node_exporter's textfile collector.</summary>
public sealed record MetricsOptions
{
    /// <summary>node_exporter's --collector.textfile.directory; null = no metrics file.</summary>
    public string? TextfileDir { get; set; }

    /// <summary>File name in that folder; node_exporter reads only *.prom.</summary>
    public string FileName { get; set; } = "quantlab_ml.prom";

    public bool Enabled => !string.IsNullOrWhiteSpace(TextfileDir);

    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting.</summary>
    public MetricsOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(FileName) || !FileName.EndsWith(".prom", StringComparison.Ordinal)
            || FileName.IndexOfAny(['/', '\\']) >= 0 || FileName.StartsWith('.'))
        {
            throw new UsageException($"Metrics:FileName must be a plain file name ending in .prom, got '{SymbolName.Printable(FileName)}'");
        }

        if (Enabled && !Path.IsPathFullyQualified(TextfileDir!))
        {
            throw new UsageException($"Metrics:TextfileDir must be an absolute folder, got '{SymbolName.Printable(TextfileDir)}'");
        }

        return this;
    }
}
