using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>The SSH host did not become reachable and ready before the deadline.</summary>
public sealed class RemoteHostUnreachableException : QuantLabException
{
    public RemoteHostUnreachableException(string message) : base(message) { }
    public RemoteHostUnreachableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The host presented a key that the run's host-key policy does not trust; never retried.</summary>
public sealed class HostKeyRejectedException : QuantLabException
{
    public HostKeyRejectedException(string message) : base(message) { }
}

/// <summary>A remote command or transfer failed for a reason other than the connection (bad exit, corrupt upload, missing tool).</summary>
public sealed class RemoteCommandException : QuantLabException
{
    public RemoteCommandException(string message) : base(message) { }
    public RemoteCommandException(string message, Exception inner) : base(message, inner) { }
}
