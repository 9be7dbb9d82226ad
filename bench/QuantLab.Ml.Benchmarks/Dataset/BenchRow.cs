using System.Text.Json;
using System.Text.Json.Serialization;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// One figure of bench/results.json, in the schema scripts/bench.sh merges from every benchmark program.
/// Informative rows (no target of their own) have target "info" and a null <see cref="Met"/>.
/// </summary>
internal sealed record BenchRow(
    string Group,
    string Name,
    double Value,
    string Unit,
    string ReferenceName,
    double? ReferenceValue,
    double? Ratio,
    string Target,
    bool? Met,
    string Notes)
{
    public const string Informative = "info";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static async Task WriteAsync(string path, IReadOnlyList<BenchRow> rows, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = File.Create(full);
        await using (stream)
        {
            await JsonSerializer.SerializeAsync(stream, rows, Options, ct);
        }
    }
}
