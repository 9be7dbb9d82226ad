using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using QuantLab.Ml.Cli;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Tests.Support;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Tests.Common;

/// <summary>
/// The published build is Native AOT: JSON goes through the generated contexts only and configuration through the
/// binder's generated code. These pin what a forgotten type or enum would silently change.
/// </summary>
public sealed class JsonContextTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string> Contexts() => [.. AllJson.Contexts.Select(t => t.Name), nameof(CliJsonContext)];

    /// <summary>A context and the options it is used with: its own frozen instance when it has one, else the conventions over it.</summary>
    private static (Type Context, JsonSerializerOptions Options) Of(string name)
    {
        if (name == nameof(CliJsonContext))
        {
            return (typeof(CliJsonContext), CliJson.Output);
        }

        var type = AllJson.Contexts.Single(t => t.Name == name);
        var bound = type.GetProperty("Indented", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as JsonSerializerContext;
        return (type, bound?.Options ?? Json.Create((IJsonTypeInfoResolver)type.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!));
    }

    [Theory]
    [MemberData(nameof(Contexts))]
    [Trait("Category", "Unit")]
    public void Every_enum_reached_from_a_context_is_written_as_its_snake_case_name(string context)
    {
        var (type, options) = Of(context);
        var enums = new HashSet<Type>();
        var seen = new HashSet<Type>();
        foreach (var root in RootTypes(type))
        {
            Walk(options.GetTypeInfo(root), options, seen, enums);
        }

        Assert.NotEmpty(seen); // Some contexts reach no enum (Remote, Vast); the walk itself must have run.
        foreach (var e in enums)
        {
            foreach (var name in Enum.GetNames(e))
            {
                var member = e.GetField(name)!;
                var expected = member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
                Assert.Equal($"\"{expected}\"", JsonSerializer.Serialize(Enum.Parse(e, name), e, options));
            }
        }
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_type_missing_from_the_context_fails_instead_of_falling_back_to_reflection()
    {
        var ex = Assert.Throws<NotSupportedException>(() => AllJson.Serialize(new NotInTheContext(1)));
        Assert.Contains(nameof(NotInTheContext), ex.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => AllJson.Deserialize<NotInTheContext>("{\"value\": 1}", "test"));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void The_config_hash_of_the_defaults_is_unchanged()
    {
        // Part of every job id: a change here re-trains every symbol under a new id.
        // Changed on purpose with issue 21's evaluation defaults (taker fee, walk-forward window): those jobs are new trials.
        var hash = JobPlanner.ConfigHash(new QuantLabOptions());
        Assert.True(hash == "5d66be9fc7f49adb1add81f54f0279291c62de305e10c0a2af3a211ef739aa1c", $"the config hash of the defaults is now {hash}");
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Configuration_types_have_setters_the_binders_generator_can_assign()
    {
        // The generator silently skips init-only properties: a key in quantlab-ml.json would then be ignored.
        var roots = new[] { typeof(QuantLabOptions), typeof(Ml.Vast.VastOptions), typeof(Ml.Configuration.SshProviderOptions), typeof(Ml.Remote.RemoteRunnerOptions), typeof(Ml.Configuration.VastProviderOptions) };
        var initOnly = new List<string>();
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var t))
        {
            if (!seen.Add(t))
            {
                continue;
            }

            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.SetMethod is { } set && set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
                {
                    initOnly.Add($"{t.Name}.{p.Name}");
                }

                if (p.PropertyType.Assembly == typeof(QuantLabOptions).Assembly && p.PropertyType.IsClass)
                {
                    queue.Enqueue(p.PropertyType);
                }
            }
        }

        Assert.True(initOnly.Count == 0, "init-only configuration properties (use set): " + string.Join(", ", initOnly));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Configuration_values_of_every_kind_are_bound()
    {
        var env = new Dictionary<string, string?>
        {
            ["QUANTLAB_WindowDays"] = "3",
            ["QUANTLAB_Provider"] = "ssh",
            ["QUANTLAB_Ssh__Host"] = "127.0.0.1",
            ["QUANTLAB_Ssh__User"] = "trainer",
            ["QUANTLAB_Ssh__KeyFile"] = "/nonexistent/id_ed25519",
            ["QUANTLAB_Xgboost__Eta"] = "0.07",
            ["QUANTLAB_DataWait__MaxDelay"] = "00:20:00",
            ["QUANTLAB_Alerts__Format"] = "slack",
            ["QUANTLAB_Symbols"] = "btcusdt,ethusdt",
        };
        var loaded = ConfigurationLoader.Load(null, env, new Dictionary<string, string?> { ["StoreRoot"] = "store" }, temp.Path, systemFile: null);

        Assert.Equal(3, loaded.Options.WindowDays);
        Assert.Equal(ComputeProviderKind.Ssh, loaded.Options.Provider);
        Assert.Equal(0.07, loaded.Options.Xgboost.Eta);
        Assert.Equal(TimeSpan.FromMinutes(20), loaded.Options.DataWait.MaxDelay);
        Assert.Equal("slack", loaded.Options.Alerts.Format);
        Assert.Equal(["btcusdt", "ethusdt"], loaded.Options.Symbols);
        Assert.Equal(Path.Combine(temp.Path, "store"), loaded.Options.StoreRoot);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Every_JSON_file_a_run_writes_round_trips_through_the_generated_context()
    {
        var cli = new CliRunner(temp.Path);
        cli.Environment["QUANTLAB_Trainer__Python"] = TestEnvironment.Python;
        cli.Environment["QUANTLAB_Trainer__PackageDir"] = TestEnvironment.TrainerPackageDir;
        var sample = await cli.RunAsync("data", "sample", "--symbol", "btcusdt", "--from", "2026-01-20", "--days", "1", "--hours", "6", "--seed", "11", "--out", "data");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        var run = await cli.RunAsync("run-daily", "--symbol", "btcusdt", "--date", "2026-01-20", "--data", "data", "--store", "store", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());

        // Whatever the gate decided, production gets a manifest and a change record, so those files are round-tripped too.
        if (!Directory.EnumerateFiles(temp.Path, "manifest.json", SearchOption.AllDirectories).Any())
        {
            var promote = await cli.RunAsync("promote", "--symbol", "btcusdt", "--date", "2026-01-20", "--store", "store", "--force");
            Assert.True(promote.ExitCode == 0, promote.ToString());
        }

        var checkedFiles = new List<string>();
        foreach (var path in Directory.EnumerateFiles(temp.Path, "*.json*", SearchOption.AllDirectories))
        {
            var check = RoundTripOf(path);
            if (check is null)
            {
                continue;
            }

            var lines = path.EndsWith(".jsonl", StringComparison.Ordinal) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToArray() : [File.ReadAllText(path)];
            foreach (var line in lines)
            {
                var again = check(line, path);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(line), JsonNode.Parse(again)), $"{path} changed in a round trip:\n{line}\n---\n{again}");
            }

            checkedFiles.Add(Path.GetFileName(path));
        }

        string[] expected = ["job.json", "metrics.json", "evaluation.json", "promotion.json", "_COMPLETE.json", "manifest.json", "report_data.json", "_state.json", "meta.json", "audit.jsonl"];
        Assert.Empty(expected.Except(checkedFiles));
    }

    private static Func<string, string, string>? RoundTripOf(string path)
    {
        static Func<string, string, string> Of<T>() => (text, what) => AllJson.Serialize(AllJson.Deserialize<T>(text, what));
        var name = Path.GetFileName(path);
        var folder = Path.GetFileName(Path.GetDirectoryName(path))!;
        return name switch
        {
            "job.json" => Of<JobSpec>(),
            "metrics.json" or "production-metrics.json" => Of<ModelMetrics>(),
            "evaluation.json" => Of<EvaluationRecord>(),
            "promotion.json" => Of<DecisionRecord>(),
            "_COMPLETE.json" => Of<CandidateManifest>(),
            "manifest.json" => Of<ProductionManifest>(),
            "report_data.json" => Of<ReportData>(),
            "_state.json" => Of<CompactState>(),
            "meta.json" => Of<PartitionMeta>(),
            _ when name.EndsWith(".jsonl", StringComparison.Ordinal) => Of<AuditEntry>(),
            _ when folder == "changes" => Of<ProductionManifest>(),
            _ when folder == "log" => Of<RunSummary>(),
            _ => null, // runtime.json and train_metrics.json are the trainer's (Python), read as documents
        };
    }

    private static IEnumerable<Type> RootTypes(Type context) =>
        context.GetCustomAttributesData().Where(a => a.AttributeType == typeof(JsonSerializableAttribute)).Select(a => (Type)a.ConstructorArguments[0].Value!);

    private static void Walk(JsonTypeInfo info, JsonSerializerOptions options, HashSet<Type> seen, HashSet<Type> enums)
    {
        if (!seen.Add(info.Type))
        {
            return;
        }

        var t = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (t.IsEnum)
        {
            enums.Add(t);
            return;
        }

        foreach (var next in info.Properties.Select(p => p.PropertyType).Append(info.ElementType).Append(info.KeyType))
        {
            if (next is not null && next != typeof(object))
            {
                Walk(options.GetTypeInfo(next), options, seen, enums);
            }
        }
    }

    private sealed record NotInTheContext(int Value);
}
