using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>A Vast.ai API call failed; the message is one line, masked, and says which call and why.</summary>
public class VastApiException : QuantLabException
{
    public VastApiException(string message) : base(message) { }
    public VastApiException(string message, Exception inner) : base(message, inner) { }

    /// <summary>HTTP status of the failing answer, or null when no answer came (network error, timeout).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Vast's <c>error</c> code from the body (e.g. <c>invalid_args</c>), when there was one.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>True when the failure may clear by itself (429, 502/503/504, network, timeout) even after our retries.</summary>
    public bool IsTransient { get; init; }
}

/// <summary>The API key was missing or rejected (401, 403, or Vast's 404 <c>auth_error</c>): no retry can help.</summary>
public sealed class VastAuthException : VastApiException
{
    public VastAuthException(string message) : base(message) { }
}

/// <summary>An instance will never become usable (exited, offline, OCI error, gone, or it missed its deadline); destroy it.</summary>
public sealed class VastInstanceFailedException : QuantLabException
{
    public VastInstanceFailedException(string message) : base(message) { }

    public long InstanceId { get; init; }

    /// <summary>The last <c>actual_status</c> seen, or null.</summary>
    public string? LastStatus { get; init; }
}

/// <summary>No instance could be rented: no matching offer, every offer failed, or Vast refused (e.g. insufficient credit).</summary>
public sealed class VastProvisioningException : QuantLabException
{
    public VastProvisioningException(string message) : base(message) { }
    public VastProvisioningException(string message, Exception inner) : base(message, inner) { }
}
