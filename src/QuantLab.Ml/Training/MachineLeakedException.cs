using QuantLab.Ml.Common;

namespace QuantLab.Ml.Training;

/// <summary>
/// A rented machine could not be destroyed: it is recorded for reap-orphans and the run fails loudly. Provider-neutral,
/// so the pipeline catches it without knowing which provider rented the machine.
/// </summary>
public sealed class MachineLeakedException : QuantLabException
{
    public MachineLeakedException(string message) : base(message) { }
    public MachineLeakedException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The one line that says a rented machine may still be billing, and what happens next.</summary>
    /// <remarks>Only Vast rents machines today, and the operator greps for this exact line: its wording names Vast.</remarks>
    public static string Describe(long instanceId, string? reason) =>
        $"Vast instance {instanceId} could not be destroyed ({reason ?? "unknown reason"}); it may still be billing, and reap-orphans will retry it";
}

/// <summary>The run was interrupted (SIGTERM/Ctrl-C) and its cleanup left something to say: <see cref="Exception.Message"/> is that.</summary>
public sealed class RunInterruptedException(string detail, Exception? inner) : OperationCanceledException(detail, inner);
