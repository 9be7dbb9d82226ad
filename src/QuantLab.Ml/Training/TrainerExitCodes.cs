using System.Globalization;

namespace QuantLab.Ml.Training;

/// <summary>
/// The Python trainer's exit codes (python/quantlab_trainer/errors.py is their source of truth; a unit test holds the two
/// together) and what each means for the operator, for a local and a remote run alike.
/// </summary>
public static class TrainerExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int BadInput = 2;
    public const int NoGpu = 3;
    public const int RuntimeExceeded = 4;

    /// <summary>Not the trainer's: the remote launcher writes it (as timeout(1) does) when its watchdog stopped the trainer.</summary>
    public const int WatchdogFired = 124;

    /// <summary>The codes errors.py declares, by their Python names.</summary>
    public static IReadOnlyDictionary<string, int> Declared { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["EXIT_OK"] = Ok,
        ["EXIT_UNEXPECTED"] = Unexpected,
        ["EXIT_BAD_INPUT"] = BadInput,
        ["EXIT_NO_GPU"] = NoGpu,
        ["EXIT_TIMEOUT"] = RuntimeExceeded,
    };

    /// <summary>The trainer stopped itself at its runtime limit, or the launcher's watchdog stopped it.</summary>
    public static bool IsRuntimeExceeded(int? code) => code is RuntimeExceeded or WatchdogFired;

    /// <summary>What a local trainer's exit code means, after "trainer ": "bad input", "killed (out of memory?)", ….</summary>
    public static string Describe(int code) => code switch
    {
        Ok => "ok",
        BadInput => "bad input",
        NoGpu => NoGpuMeaning,
        RuntimeExceeded => "exceeded its runtime limit",
        137 or -9 => "killed (out of memory?)",
        _ => $"failed with exit code {code}",
    };

    /// <summary>
    /// Why a remote trainer failed, as the start of a sentence ("… on &lt;machine&gt; (job …)"); null is an exit without a
    /// code (killed by a signal the shell could not report).
    /// </summary>
    public static string DescribeRemote(int? code) => code switch
    {
        BadInput => "the trainer rejected its input (exit 2)",
        NoGpu => NoGpuMeaning + " (exit 3)",
        > 128 and < 160 => string.Create(CultureInfo.InvariantCulture, $"the trainer was killed by signal {code - 128}"),
        _ => $"the trainer failed (exit {Format(code)})",
    };

    /// <summary>An exit code for a message; null is a process ended by a signal.</summary>
    public static string Format(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "signal";

    private const string NoGpuMeaning = "no usable GPU for device cuda";
}
