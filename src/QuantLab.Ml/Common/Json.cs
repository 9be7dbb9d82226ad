using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using QuantLab.Ml.Data;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Common;

/// <summary>
/// The one JSON convention of the project's files and outputs: snake_case, enums as strings. Types are resolved through
/// the source-generated <see cref="QuantLabJsonContext"/> only, never by reflection (see there).
/// </summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = Create(QuantLabJsonContext.Default, indented: true);

    public static readonly JsonSerializerOptions Compact = Create(QuantLabJsonContext.Default, indented: false);

    /// <summary>
    /// The project's conventions over another resolver, e.g. the CLI's own context for its --json output shapes; it is
    /// combined with the library's context, so library types nested in those shapes resolve too.
    /// </summary>
    public static JsonSerializerOptions Create(IJsonTypeInfoResolver resolver, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            TypeInfoResolver = ReferenceEquals(resolver, QuantLabJsonContext.Default) ? resolver : JsonTypeInfoResolver.Combine(resolver, QuantLabJsonContext.Default),
        };
        foreach (var converter in EnumConverters())
        {
            options.Converters.Add(converter);
        }

        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// snake_case strings for the enums in our files that do not name their values themselves (those carry
    /// [JsonConverter] and [JsonStringEnumMemberName]). The generic converter needs no run-time code generation;
    /// an enum missing here would be written as a number, which the context's tests catch.
    /// </summary>
    private static IEnumerable<JsonConverter> EnumConverters() =>
    [
        Snake<ChampionComparison>(),
        Snake<ChampionTest>(),
        Snake<CredentialSource>(),
        Snake<IncomparableChampionRule>(),
        Snake<JobOutcomeStatus>(),
        Snake<OfferOp>(),
        Snake<OfferType>(),
        Snake<OrphanRule>(),
        Snake<PriceMove>(),
        Snake<PromotionOutcome>(),
        Snake<ReadinessStatus>(),
        Snake<ReapOutcome>(),
        Snake<SampleRegime>(),
        Snake<SshRoute>(),
        Snake<VastEndpoint>(),
    ];

    private static JsonStringEnumConverter<T> Snake<T>()
        where T : struct, Enum => new(JsonNamingPolicy.SnakeCaseLower);

    /// <summary>The generated metadata of <typeparamref name="T"/> under <paramref name="options"/>; throws NotSupportedException when the type is not in the context.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    public static string Serialize<T>(T value, bool indented = true) => Serialize(value, indented ? Options : Compact);

    public static string Serialize<T>(T value, JsonSerializerOptions options) => JsonSerializer.Serialize(value, TypeInfo<T>(options));

    public static T Deserialize<T>(string json, string what)
    {
        var info = TypeInfo<T>(Options);
        try
        {
            return JsonSerializer.Deserialize(json, info) ?? throw new QuantLabException($"{what} is empty (null JSON)");
        }
        catch (JsonException ex)
        {
            throw new QuantLabException($"{what} is not valid JSON: {ex.Message}", ex);
        }
    }

    public static async Task WriteFileAsync<T>(string path, T value, CancellationToken ct)
    {
        var tmp = path + ".tmp";
        await File.WriteAllTextAsync(tmp, Serialize(value) + "\n", ct).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
    }

    public static async Task<T> ReadFileAsync<T>(string path, CancellationToken ct)
    {
        var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        return Deserialize<T>(text, path);
    }
}
