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

    public const string HelpText = "exit codes: 0 finished (also when a candidate is not promoted), 1 failed, 2 bad usage or input, 3 data not ready (try later), 75 another run holds the job (try later), 130 interrupted";

    /// <summary>Maps an exception that escaped a command to its exit code.</summary>
    public static int For(Exception ex) => ex switch
    {
        Common.UsageException => Usage,
        Common.DataNotReadyException => DataNotReady,
        OperationCanceledException => Interrupted,
        _ => Failed,
    };
}
