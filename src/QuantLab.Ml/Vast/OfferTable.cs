using System.Globalization;

namespace QuantLab.Ml.Vast;

/// <summary>Turns offers into rows for the <c>offers</c> command: a plain-text table or JSON (the rows themselves).</summary>
public static class OfferTable
{
    /// <summary>One row per offer, in the given order; price is the real $/h for <paramref name="diskGb"/>.</summary>
    public static IReadOnlyList<OfferRow> Rows(IEnumerable<VastOffer> offers, double diskGb)
    {
        ArgumentNullException.ThrowIfNull(offers);
        return offers.Select(o => new OfferRow
        {
            Id = o.Id,
            Gpu = $"{o.NumGpus}x {o.GpuName ?? "?"}",
            PricePerHour = o.PricePerHour(diskGb) is { } p ? Math.Round(p, 4) : null,
            Reliability = o.EffectiveReliability is { } r ? Math.Round(r, 4) : null,
            InetDownMbps = o.InetDown is { } d ? Math.Round(d, 1) : null,
            Location = o.Geolocation?.Trim(),
            Cuda = o.CudaMaxGood,
        }).ToList();
    }

    public static string Render(IReadOnlyList<OfferRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return "no matching offers\n";
        }

        var c = CultureInfo.InvariantCulture;
        return TextTable.Render(
            ["ID", "GPU", "$/H", "RELIABILITY", "INET DOWN", "LOCATION", "CUDA"],
            [true, false, true, true, true, false, true],
            rows.Select(r => (IReadOnlyList<string>)
            [
                r.Id.ToString(c),
                r.Gpu,
                r.PricePerHour?.ToString("0.000", c) ?? "-",
                r.Reliability?.ToString("0.000", c) ?? "-",
                r.InetDownMbps?.ToString("0", c) ?? "-",
                r.Location ?? "-",
                r.Cuda?.ToString("0.0#", c) ?? "-",
            ]));
    }
}

/// <summary>One offer as the <c>offers</c> command shows it; serialized as is for <c>--json</c>.</summary>
public sealed record OfferRow
{
    public required long Id { get; init; }

    /// <summary>"1x RTX 4090".</summary>
    public required string Gpu { get; init; }

    /// <summary>Compute plus our disk, $/h.</summary>
    public double? PricePerHour { get; init; }
    public double? Reliability { get; init; }
    public double? InetDownMbps { get; init; }
    public string? Location { get; init; }

    /// <summary>Highest CUDA version the host driver supports.</summary>
    public double? Cuda { get; init; }
}
