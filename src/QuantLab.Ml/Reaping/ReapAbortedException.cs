using QuantLab.Ml.Common;

namespace QuantLab.Ml.Reaping;

/// <summary>The reap stopped before destroying anything: the instance list or the run records could not be read.</summary>
public sealed class ReapAbortedException : QuantLabException
{
    public ReapAbortedException(string message, Exception inner) : base(message, inner) { }
}
