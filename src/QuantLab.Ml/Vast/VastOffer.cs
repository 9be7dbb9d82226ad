using System.Text.Json.Serialization;

namespace QuantLab.Ml.Vast;

/// <summary>One offer from <c>POST /api/v0/bundles/</c>; <see cref="Id"/> is the ask id that create takes.</summary>
public sealed record VastOffer
{
    public required long Id { get; init; }
    public long? MachineId { get; init; }
    public long? HostId { get; init; }
    public int NumGpus { get; init; }
    public string? GpuName { get; init; }

    /// <summary>MB per GPU.</summary>
    public double? GpuRam { get; init; }

    /// <summary>Compute capability ×100 (890 = 8.9).</summary>
    public double? ComputeCap { get; init; }
    public double? CudaMaxGood { get; init; }

    /// <summary>Compute only, $/h.</summary>
    public double? DphBase { get; init; }

    /// <summary>Compute plus storage for the searched allocated_storage, $/h.</summary>
    public double? DphTotal { get; init; }

    /// <summary>$/GB/month.</summary>
    public double? StorageCost { get; init; }
    public double? MinBid { get; init; }
    public double? Reliability { get; init; }

    [JsonPropertyName("reliability2")]
    public double? Reliability2 { get; init; }
    public double? InetDown { get; init; }
    public double? InetUp { get; init; }
    public double? InetDownCost { get; init; }
    public double? InetUpCost { get; init; }
    public int? DirectPortCount { get; init; }
    public string? Geolocation { get; init; }
    public bool? Verified { get; init; }
    public string? Verification { get; init; }
    public bool? Rentable { get; init; }
    public bool? Rented { get; init; }
    public int? HostingType { get; init; }

    /// <summary>GB that could be allocated at most, not what we get.</summary>
    public double? DiskSpace { get; init; }
    public double? CpuCoresEffective { get; init; }
    public double? CpuRam { get; init; }
    public double? Score { get; init; }

    [JsonPropertyName("dlperf")]
    public double? DlPerf { get; init; }
    public string? PublicIpaddr { get; init; }

    /// <summary>The reliability we filter on: reliability2 when present (dstack), else reliability (CLI).</summary>
    [JsonIgnore]
    public double? EffectiveReliability => Reliability2 ?? Reliability;

    /// <summary>
    /// $/h for a disk of <paramref name="diskGb"/>: dph_total when Vast priced that disk (allocated_storage),
    /// else dph_base plus storage_cost × disk / 720 (a month of hours), as Vast computes it.
    /// </summary>
    public double? PricePerHour(double diskGb)
    {
        if (DphTotal is { } total)
        {
            return total;
        }

        return DphBase is { } baseCost ? baseCost + ((StorageCost ?? 0) * diskGb / 720.0) : null;
    }
}
