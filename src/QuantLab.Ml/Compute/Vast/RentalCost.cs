using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>What a rental cost: dph_total × billed hours (create → destroy) plus transfer at the offer's $/GB.</summary>
public sealed record RentalCost
{
    public required double BilledSeconds { get; init; }
    public required double DollarsPerHour { get; init; }
    public required double ComputeUsd { get; init; }
    public required double TransferUsd { get; init; }
    public double TotalUsd => ComputeUsd + TransferUsd;

    /// <param name="offer">The rented offer (its dph_total and inet costs).</param>
    /// <param name="from">When billing started (create).</param>
    /// <param name="to">When it ended (destroy).</param>
    /// <param name="uploadedBytes">Bytes we sent to the instance (its download, priced at inet_down_cost).</param>
    /// <param name="downloadedBytes">Bytes we fetched from it (its upload, priced at inet_up_cost).</param>
    public static RentalCost Of(VastOffer offer, DateTimeOffset from, DateTimeOffset to, long uploadedBytes, long downloadedBytes) =>
        Build(offer, offer.DphTotal ?? 0, Math.Max(0, (to - from).TotalSeconds), uploadedBytes, downloadedBytes);

    private static RentalCost Build(VastOffer offer, double dph, double seconds, long uploadedBytes, long downloadedBytes)
    {
        var transfer = (uploadedBytes / 1e9 * (offer.InetDownCost ?? 0)) + (downloadedBytes / 1e9 * (offer.InetUpCost ?? 0));
        return new RentalCost { BilledSeconds = seconds, DollarsPerHour = dph, ComputeUsd = dph * seconds / 3600.0, TransferUsd = transfer };
    }
}
