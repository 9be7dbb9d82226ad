using System.Text;

namespace QuantLab.Ml.Remote;

/// <summary>What one remote command produced: exit status (null when killed by a signal), raw stdout and stderr text.</summary>
internal sealed record RemoteCommandResult
{
    public required int? ExitCode { get; init; }
    public required byte[] Stdout { get; init; }
    public required string Stderr { get; init; }

    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>Last non-empty stderr line (usually the one that says what went wrong), shortened for a one-line error.</summary>
    public string LastErrorLine
    {
        get
        {
            var line = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
            return line.Length > 300 ? line[..300] + "…" : line;
        }
    }
}

/// <summary>A remote command did not finish within its limit; the connection is presumed dead for idempotent commands.</summary>
internal sealed class RemoteCommandTimeoutException(string message) : TimeoutException(message);
