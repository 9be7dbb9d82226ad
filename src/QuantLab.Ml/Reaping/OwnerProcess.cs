using System.Diagnostics;

namespace QuantLab.Ml.Reaping;

/// <summary>Whether the process that rented an instance is provably gone: only a process on this host can be checked.</summary>
internal static class OwnerProcess
{
    /// <summary>True only when <paramref name="host"/> is this host and no process <paramref name="pid"/> runs here.</summary>
    public static bool IsGoneFromThisHost(string host, int pid)
    {
        if (!string.Equals(host, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
