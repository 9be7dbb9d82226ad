using System.Globalization;

namespace QuantLab.Ml.Bench;

/// <summary>The few options every group takes.</summary>
internal sealed record BenchArgs
{
    public int SizeMiB { get; init; } = 256;
    public int Repetitions { get; init; } = 5;
    public required string Out { get; init; }
    public required string Work { get; init; }

    public long Bytes => SizeMiB * 1024L * 1024L;

    public static BenchArgs Parse(ReadOnlySpan<string> args)
    {
        int size = 256, reps = 5;
        string? output = null, work = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--size-mb": size = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": output = value; break;
                case "--work": work = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        return new BenchArgs
        {
            SizeMiB = size,
            Repetitions = Math.Max(1, reps),
            Out = output ?? throw new ArgumentException("--out FILE is required"),
            Work = work ?? Path.Combine(Path.GetTempPath(), "quantlab-bench-" + Guid.NewGuid().ToString("N")[..8]),
        };
    }

    public static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: start the loopback services first (scripts/bench.sh does)");
}
