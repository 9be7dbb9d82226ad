namespace QuantLab.Ml.Common;

/// <summary>An expected failure with a one-line message meant for the operator (no stack trace is shown for it).</summary>
public class QuantLabException : Exception
{
    public QuantLabException() { }
    public QuantLabException(string message) : base(message) { }
    public QuantLabException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Bad usage or bad input: exit code 2.</summary>
public class UsageException : QuantLabException
{
    public UsageException() { }
    public UsageException(string message) : base(message) { }
    public UsageException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The day's data is not ready yet (not compacted, missing): exit code 3, "try later".</summary>
public class DataNotReadyException : QuantLabException
{
    public DataNotReadyException() { }
    public DataNotReadyException(string message) : base(message) { }
    public DataNotReadyException(string message, Exception inner) : base(message, inner) { }
}
