using System.Text.Json.Serialization;

namespace QuantLab.Ml.Remote;

/// <summary>Facts of one remote run; written next to the trainer outputs as remote.json (the trainer's own files stay byte-exact).</summary>
public sealed record RemoteRunResult
{
    public const string FileName = "remote.json";

    public required string Machine { get; init; }
    public required string Endpoint { get; init; }
    public required string? HostKeyFingerprint { get; init; }
    public required string HostKeyPolicy { get; init; }
    public required string RemoteJobDir { get; init; }
    public required string OutputDir { get; init; }
    public required BootstrapReport Bootstrap { get; init; }

    /// <summary>Connections re-established after a drop during this run.</summary>
    public required int Reconnects { get; init; }
    public required TransferStats Upload { get; init; }
    public required TransferStats Download { get; init; }
    public required double TrainerSeconds { get; init; }
    public required double WallSeconds { get; init; }

    [JsonIgnore]
    public TimeSpan WallTime => TimeSpan.FromSeconds(WallSeconds);

    /// <summary>What a provider reports for this run: where the outputs are, the wall time and the trainer's own.</summary>
    public Training.TrainingResult AsTrainingResult() => new() { OutputDir = OutputDir, WallTime = WallTime, Machine = Machine, TrainerSeconds = TrainerSeconds };
}

/// <summary>Bytes moved over SFTP and how long it took.</summary>
public sealed record TransferStats
{
    public required int Files { get; init; }
    public required long Bytes { get; init; }
    public required double Seconds { get; init; }

    public double MegabytesPerSecond => Seconds > 0 ? Bytes / 1e6 / Seconds : 0;
}
