using QuantLab.Ml.Common;

namespace QuantLab.Ml.Dataset;

/// <summary>The ticks cannot make a usable dataset (invalid or unordered ticks, too few bars for the configured windows).</summary>
public class DatasetException : QuantLabException
{
    public DatasetException() { }
    public DatasetException(string message) : base(message) { }
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
