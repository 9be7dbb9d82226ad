using QuantLab.Ml.Configuration;

namespace QuantLab.Ml.Tests.Support;

/// <summary>The configuration the way every command gets it (bound once, unknown keys refused, validated), from keys given in code.</summary>
public static class TestConfig
{
    // A folder that does not exist: no ./quantlab-ml.json can be picked up, whatever the machine has.
    private static readonly string NoFolder = Path.Combine(Path.GetTempPath(), "quantlab-ml-no-config-" + Guid.NewGuid().ToString("N"));

    public static QuantLabOptions Load(IReadOnlyDictionary<string, string?> keys, IReadOnlyDictionary<string, string?>? environment = null) =>
        ConfigurationLoader.Load(null, environment ?? new Dictionary<string, string?>(), keys, NoFolder, systemFile: null).Options;
}
