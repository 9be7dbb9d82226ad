using System.Text.Json;
using QuantLab.Ml.Common;
using QuantLab.Ml.ConfigCheck;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Training;

/// <summary>
/// The provider is an enum in the code and "local", "ssh" or "vast" wherever a person or a file sees it: the
/// configuration accepts exactly these names from every source, and anything else is the validator's one line.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ComputeProviderKindTests : IDisposable
{
    private static readonly Dictionary<string, string?> None = [];
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<ComputeProviderKind, string> Every => new()
    {
        { ComputeProviderKind.Local, "local" },
        { ComputeProviderKind.Ssh, "ssh" },
        { ComputeProviderKind.Vast, "vast" },
    };

    [Theory]
    [MemberData(nameof(Every))]
    public void Each_provider_has_one_name_in_text_and_in_JSON_both_ways(ComputeProviderKind kind, string name)
    {
        var json = Json.Create(ConfigurationJson.Default);

        Assert.Equal(name, kind.Wire());
        Assert.True(ComputeProviderKinds.TryParse(name, out var parsed));
        Assert.Equal(kind, parsed);
        Assert.Equal($"\"{name}\"", Json.Serialize(kind, json));
        Assert.Equal(kind, JsonSerializer.Deserialize($"\"{name}\"", Json.TypeInfo<ComputeProviderKind>(json)));
    }

    [Fact]
    public void The_names_are_every_provider_in_the_order_the_help_and_the_error_list_them()
    {
        Assert.Equal(["local", "ssh", "vast"], ComputeProviderKinds.Names);
        Assert.Equal(Enum.GetValues<ComputeProviderKind>().Length, Every.Count);
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void Each_name_is_bound_from_the_file_the_environment_and_the_flag(ComputeProviderKind kind, string name)
    {
        File.WriteAllText(temp.Combine("file.json"), $$"""{ "Provider": "{{name}}" }""");

        // TryLoad: the ssh provider's missing host is a rule of its own, not this test's.
        var fromFile = ConfigurationLoader.TryLoad(temp.Combine("file.json"), None, None, temp.Path, systemFile: null);
        var fromEnv = ConfigurationLoader.TryLoad(null, new Dictionary<string, string?> { ["QUANTLAB_Provider"] = name }, None, temp.Path, systemFile: null);
        var fromFlag = ConfigurationLoader.TryLoad(null, None, new Dictionary<string, string?> { ["Provider"] = name }, temp.Path, systemFile: null);

        Assert.Equal([kind, kind, kind], new[] { fromFile, fromEnv, fromFlag }.Select(r => r.Config!.Options.Provider));
        Assert.All(new[] { fromFile, fromEnv, fromFlag }, r => Assert.DoesNotContain(r.Rules.Errors, e => e.StartsWith("Provider", StringComparison.Ordinal)));
    }

    /// <summary>Texts the binder's own enum parsing would take (other case, numbers, combined names) or fail on with an exception.</summary>
    [Theory]
    [InlineData("Vast")]
    [InlineData("SSH")]
    [InlineData("2")]
    [InlineData("local,ssh")]
    [InlineData(" vast")]
    [InlineData("gcp")]
    public void Any_other_text_is_the_validators_one_line_and_the_other_rules_still_run(string text)
    {
        Assert.False(ComputeProviderKinds.TryParse(text, out _));
        var env = new Dictionary<string, string?> { ["QUANTLAB_Provider"] = text, ["QUANTLAB_WindowDays"] = "40" };

        var result = ConfigurationLoader.TryLoad(null, env, None, temp.Path, systemFile: null);

        Assert.NotNull(result.Config);
        Assert.Equal(["WindowDays = 40: must be 1..31 days", $"Provider = '{text}': must be one of local, ssh, vast"], result.Rules.Errors);
        var thrown = Assert.Throws<UsageException>(() => ConfigurationLoader.Load(null, new Dictionary<string, string?> { ["QUANTLAB_Provider"] = text }, None, temp.Path, systemFile: null));
        Assert.Contains($"Provider = '{text}': must be one of local, ssh, vast", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_check_shows_the_provider_as_it_is_configured_with_its_rule_and_source()
    {
        var loaded = ConfigurationLoader.Load(null, new Dictionary<string, string?> { ["QUANTLAB_Provider"] = "vast" }, None, temp.Path, systemFile: null);

        var provider = ConfigSources.List(loaded).Single(v => v.Key == "Provider");

        Assert.Equal(("vast", "env QUANTLAB_Provider", "one of local, ssh, vast"), (provider.Value, provider.Source, provider.Allowed));
        Assert.Equal("cuda", loaded.Options.EffectiveDevice);
    }
}
