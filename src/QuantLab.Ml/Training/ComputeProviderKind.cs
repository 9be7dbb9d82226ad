using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training;

/// <summary>
/// Which provider runs the trainer: configuration Provider, QUANTLAB_Provider and --provider name it, run summaries and
/// logs print it, always by the lowercase names of <see cref="ComputeProviderKinds.Names"/>.
/// </summary>
[JsonConverter(typeof(SnakeCaseNames<ComputeProviderKind>))]
public enum ComputeProviderKind
{
    /// <summary>A child process on this machine.</summary>
    Local,

    /// <summary>A fixed host over SSH.</summary>
    Ssh,

    /// <summary>A machine rented on Vast.ai, destroyed after the run.</summary>
    Vast,
}

/// <summary>The names of <see cref="ComputeProviderKind"/> as configured and printed ("local", "ssh", "vast").</summary>
public static class ComputeProviderKinds
{
    private static readonly ComputeProviderKind[] All = Enum.GetValues<ComputeProviderKind>();

    /// <summary>Every name in declaration order: what the configuration and --provider accept, exactly (no other case, no numbers).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(Wire)];

    /// <summary>The name as configured, printed and written to JSON (the snake_case name <see cref="SnakeCaseNames{T}"/> writes).</summary>
    public static string Wire(this ComputeProviderKind kind) =>
        Enum.IsDefined(kind) ? JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()) : throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such provider");

    /// <summary>The provider named exactly <paramref name="name"/>; false for any other text ("Vast", "2", "local,ssh" and null included).</summary>
    public static bool TryParse(string? name, out ComputeProviderKind kind)
    {
        foreach (var k in All)
        {
            if (string.Equals(k.Wire(), name, StringComparison.Ordinal))
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
