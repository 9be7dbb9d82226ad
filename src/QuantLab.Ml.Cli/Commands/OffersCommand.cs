using System.CommandLine;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>offers: the Vast offers the nightly run would rent from, cheapest real cost first (the same query as run-daily).</summary>
internal static class OffersCommand
{
    public static Command Create(CliHost host)
    {
        var gpu = new Option<string?>("--gpu") { Description = "GPU name(s), comma-separated (default from Vast:Offers:Gpu, \"RTX 4090\")" };
        var numGpus = new Option<int?>("--num-gpus") { Description = "GPUs per instance (default 1)" };
        var maxPrice = new Option<double?>("--max-price") { Description = "Highest $/h including storage (default 0.60)" };
        var minReliability = new Option<double?>("--min-reliability") { Description = "Lowest reliability (default 0.95)" };
        var disk = new Option<double?>("--disk") { Description = "Disk GB the instance would get; prices include it (default 50)" };
        var limit = new Option<int?>("--limit") { Description = "How many offers to show (default 10)" };
        var json = CommonOptions.Json();
        var command = new Command("offers", "Search Vast.ai offers with the nightly run's query (no API key needed).\n" + ExitCodes.Help("searched (also when nothing matches)", (ExitCodes.Failed, "Vast could not be asked (an error: line says why)"), ExitCodes.UsageCode))
        {
            gpu, numGpus, maxPrice, minReliability, disk, limit, json,
        };
        CommandAction.Set(
            command,
            host,
            _ => new Dictionary<string, string?>(),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var client = Composition.VastClient(ctx, requireKey: false);
                var query = OfferQuery.FromOptions(client.Options, new OfferOverrides
                {
                    Gpu = parse.GetValue(gpu),
                    NumGpus = parse.GetValue(numGpus),
                    MaxPricePerHour = parse.GetValue(maxPrice),
                    MinReliability = parse.GetValue(minReliability),
                    DiskGb = parse.GetValue(disk),
                    Limit = parse.GetValue(limit) ?? 10,
                });
                var offers = await client.SearchOffersAsync(query, ct).ConfigureAwait(false);
                var rows = OfferTable.Rows(offers.Take(query.Limit), query.DiskGb);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(new OffersOutput(query.Describe(), rows));
                }
                else
                {
                    await ctx.Host.Out.WriteAsync(OfferTable.Render(rows)).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            });
        return command;
    }
}
