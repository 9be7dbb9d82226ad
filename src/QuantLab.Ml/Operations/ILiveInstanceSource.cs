namespace QuantLab.Ml.Operations;

/// <summary>
/// Lists the rented machines that are alive right now (the Vast client provides one). `status` and the metrics file show
/// them per symbol; without a source they say "unknown" rather than claim there are none.
/// </summary>
public interface ILiveInstanceSource
{
    Task<IReadOnlyList<LiveInstance>> ListAsync(CancellationToken ct);
}

/// <summary>One live rented machine and what we know of its owner.</summary>
public sealed record LiveInstance
{
    public required string InstanceId { get; init; }
    public required string Provider { get; init; }

    /// <summary>The symbol whose job rented it, when its label says so; null = not attributable.</summary>
    public string? Symbol { get; init; }
    public string? JobId { get; init; }
    public string? State { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public double? DollarsPerHour { get; init; }
}
