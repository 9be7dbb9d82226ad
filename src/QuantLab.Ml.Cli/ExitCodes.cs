namespace QuantLab.Ml.Cli;

/// <summary>The documented exit codes (README.md, --help). The mapping from outcomes lives here and nowhere else.</summary>
public static class ExitCodes
{
    /// <summary>The run finished (a candidate that was not promoted is still a finished run).</summary>
    public const int Ok = 0;

    /// <summary>The run failed (an error line on stderr says why).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage or bad input.</summary>
    public const int Usage = 2;

    /// <summary>The data for the date is not ready (not compacted yet): try later.</summary>
    public const int DataNotReady = 3;

    /// <summary>Another live run holds the job (it is still training it): nothing was done, try later (EX_TEMPFAIL, as cron's flock).</summary>
    public const int Busy = 75;

    /// <summary>Interrupted by SIGINT/SIGTERM after cleanup.</summary>
    public const int Interrupted = 130;

    /// <summary>The whole table, once, in the root help; each command lists only the codes it can return (Help).</summary>
    public const string HelpText =
        "exit codes: 0 finished (also when a candidate is not promoted), 1 failed (an error: line says why), 2 bad usage or input, "
        + "3 data not ready (try later), 75 not started: another run holds the lock (cron, systemd) or the job (try later), 130 interrupted (after cleanup)";

    public static readonly (int Code, string Meaning) FailedCode = (Failed, "failed (an error: line says why)");
    public static readonly (int Code, string Meaning) UsageCode = (Usage, "bad usage or input");
    public static readonly (int Code, string Meaning) NotReadyCode = (DataNotReady, "data not ready (try later)");
    public static readonly (int Code, string Meaning) BusyCode = (Busy, "another run holds the job (try later)");
    public static readonly (int Code, string Meaning) InterruptedCode = (Interrupted, "interrupted (after cleanup)");

    /// <summary>"exit codes: 0 …, 1 …" for one command's help: only the codes it can return, 0 in its own words.</summary>
    public static string Help(string ok, params (int Code, string Meaning)[] others) =>
        "exit codes: " + string.Join(", ", others.Prepend((Code: Ok, Meaning: ok)).Select(c => $"{c.Code.ToString(System.Globalization.CultureInfo.InvariantCulture)} {c.Meaning}"));

    /// <summary>The usual three: 0 in the command's words, 1 failed, 2 bad usage.</summary>
    public static string Help(string ok) => Help(ok, FailedCode, UsageCode);

    /// <summary>Maps an exception that escaped a command to its exit code.</summary>
    public static int For(Exception ex) => ex switch
    {
        Common.UsageException => Usage,
        Common.DataNotReadyException => DataNotReady,
        OperationCanceledException => Interrupted,
        _ => Failed,
    };
}
