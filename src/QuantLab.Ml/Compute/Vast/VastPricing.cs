using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>
/// What a Vast machine would cost tonight, before renting: one offer search per plan (the night plan's machine price, a
/// single symbol's night of one included) and one $/h for it: the offer's price for the searched disk (<see cref="VastOffer.PricePerHour"/>).
/// </summary>
internal sealed class VastPricing(VastClient client, OfferQuery query, VastProviderOptions options)
{
    /// <summary>The night plan's price of one machine: $/h, set-up time and what the datasets' upload costs per GB.</summary>
    public async Task<MachinePrice> PriceAsync(CancellationToken ct)
    {
        var setup = options.ExpectedBoot;
        var quote = await QuoteAsync(ct).ConfigureAwait(false);
        if (quote.Offer is not { } offer)
        {
            var why = quote.Failure is { } failure ? $"offers were not searched ({failure})" : $"no offer matches {query.Describe()}";
            return new MachinePrice { DollarsPerHour = 0, Setup = setup, Note = why + ": costs below are 0", NoMachine = true };
        }

        var dph = quote.DollarsPerHour ?? 0;
        return new MachinePrice
        {
            DollarsPerHour = dph,
            Setup = setup,

            // The instance downloads our datasets: that is its inbound traffic, priced as inet_down_cost.
            UploadUsdPerGb = offer.InetDownCost ?? 0,
            Note = string.Create(
                CultureInfo.InvariantCulture,
                $"offer {offer.Id}: {offer.GpuName} at {dph:F3} $/h, reliability {offer.EffectiveReliability:F3}, {offer.Geolocation}; {quote.Matches} offers match; set-up {setup.TotalMinutes:F0} min per instance")
                + NoKeyNote,
        };
    }

    private string NoKeyNote => client.HasApiKey ? string.Empty : "; no Vast API key: a real run would stop here";

    /// <summary>The one offer search: the cheapest usable offer and its $/h, or why there is none.</summary>
    private async Task<Quote> QuoteAsync(CancellationToken ct)
    {
        IReadOnlyList<VastOffer> offers;
        try
        {
            offers = await client.SearchOffersAsync(query, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            return new Quote(null, 0, null, ex.Message);
        }

        var offer = offers.Count > 0 ? offers[0] : null;
        return new Quote(offer, offers.Count, offer?.PricePerHour(query.DiskGb), null);
    }

    private sealed record Quote(VastOffer? Offer, int Matches, double? DollarsPerHour, string? Failure);
}
