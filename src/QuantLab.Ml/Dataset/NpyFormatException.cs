using QuantLab.Ml.Common;

namespace QuantLab.Ml.Dataset;

/// <summary>A .npy file is missing, truncated or holds another dtype, order or shape than the one expected.</summary>
public class NpyFormatException : QuantLabException
{
    public NpyFormatException() { }
    public NpyFormatException(string message) : base(message) { }
    public NpyFormatException(string message, Exception inner) : base(message, inner) { }
}
