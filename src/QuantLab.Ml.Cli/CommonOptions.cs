using System.CommandLine;

namespace QuantLab.Ml.Cli;

/// <summary>Options shared by every command.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file (default: ./quantlab-ml.json when present, or $QUANTLAB_CONFIG)",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Debug-level log lines on stderr",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Print exactly one JSON document on stdout" };

    public static Option<string?> Store() => new("--store") { Description = "Artifact store root: a folder or s3://bucket/prefix (config StoreRoot)" };

    public static Option<string?> Data() => new("--data") { Description = "Compact data root: a folder or s3://bucket/prefix (config DataRoot)" };

    public static Option<string> Symbol(bool required = true) => new("--symbol", "-s")
    {
        Description = "Symbol, e.g. btcusdt (2-20 letters or digits)",
        Required = required,
    };
}
