using System.Globalization;
using System.Text;

namespace QuantLab.Ml.Remote;

/// <summary>One parsed status poll: liveness, exit code, heartbeat and the next piece of train.log.</summary>
internal sealed record TrainerStatus
{
    private static readonly byte[] Separator = "--\n"u8.ToArray();

    public bool Missing { get; init; }
    public int Alive { get; init; }
    public string? Pgid { get; init; }
    public int? ExitCode { get; init; }
    public TimeSpan? HeartbeatAge { get; init; }
    public long LogSize { get; init; }
    public byte[] LogChunk { get; init; } = [];

    /// <summary>The status script's output: key=value lines, a "--" line, then the log chunk's raw bytes.</summary>
    public static TrainerStatus Parse(byte[] stdout)
    {
        var span = stdout.AsSpan();
        var split = span.StartsWith(Separator) ? 0 : span.IndexOf("\n--\n"u8) + 1;
        if (split <= 0 && !span.StartsWith(Separator))
        {
            throw new RemoteCommandException("status poll printed no separator line");
        }

        var header = RemoteOutputParser.ParseKeyValues(Encoding.UTF8.GetString(span[..split]));
        long Number(string key) => long.TryParse(header.GetValueOrDefault(key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var now = Number("now");
        var beat = Number("heartbeat");
        var exit = Number("exit");
        return new TrainerStatus
        {
            Missing = header.ContainsKey("missing"),
            Alive = (int)Math.Max(0, Number("alive")),
            Pgid = string.IsNullOrEmpty(header.GetValueOrDefault("pgid")) ? null : header["pgid"],
            ExitCode = exit >= 0 ? (int)exit : null,
            HeartbeatAge = now >= 0 && beat >= 0 ? TimeSpan.FromSeconds(now - beat) : null,
            LogSize = Math.Max(0, Number("log_size")),
            LogChunk = span[(split + Separator.Length)..].ToArray(),
        };
    }
}

/// <summary>How a trainer's run ended as the monitor saw it: its exit code, or stopped at the runtime limit.</summary>
internal sealed record TrainerOutcome(int? ExitCode, bool TimedOut);
