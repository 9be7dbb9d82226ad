using System.CommandLine;

namespace QuantLab.Ml.Cli;

/// <summary>Options shared by every command.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file; without it the first of $QUANTLAB_CONFIG, ./quantlab-ml.json, /etc/quantlab-ml/quantlab-ml.json that exists",
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

    /// <summary>--symbol; <paramref name="exchangePrefix"/> says whether "bybit-btcusdt" (a market on another exchange) is accepted.</summary>
    public static Option<string> Symbol(bool required = true, bool exchangePrefix = true) => new("--symbol", "-s")
    {
        Description = exchangePrefix
            ? "Symbol, e.g. btcusdt (2-20 letters or digits), or bybit-btcusdt for a market on another exchange than Exchange"
            : "Symbol, e.g. btcusdt (2-20 letters or digits)",
        Required = required,
    };
}
