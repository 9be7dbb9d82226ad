using QuantLab.Ml.Common;

namespace QuantLab.Ml.Configuration;

/// <summary>The Prometheus textfile written after each run (section "Metrics"), for node_exporter's textfile collector.</summary>
public sealed record MetricsOptions
{
    /// <summary>node_exporter's --collector.textfile.directory; null = no metrics file.</summary>
    public string? TextfileDir { get; set; }

    /// <summary>File name in that folder; node_exporter reads only *.prom.</summary>
    public string FileName { get; set; } = "quantlab_ml.prom";

    public bool Enabled => !string.IsNullOrWhiteSpace(TextfileDir);

    public const string Section = "Metrics";

    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting.</summary>
    public MetricsOptions Validate()
    {
        ConfigRules.Require(Section, Rules);
        return this;
    }

    /// <summary>The allowed values (section "Metrics"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.That(!string.IsNullOrWhiteSpace(FileName) && FileName.EndsWith(".prom", StringComparison.Ordinal) && FileName.IndexOfAny(['/', '\\']) < 0 && !FileName.StartsWith('.'),
            nameof(FileName), FileName, "a plain file name ending in .prom");
        r.That(!Enabled || Path.IsPathFullyQualified(TextfileDir!), nameof(TextfileDir), TextfileDir, "unset or an absolute folder");
    }
}
