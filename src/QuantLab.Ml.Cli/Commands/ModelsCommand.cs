using System.CommandLine;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>models: production, history and candidates of a symbol with their key metrics and decisions.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliHost host)
    {
        var symbol = CommonOptions.Symbol();
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("models", "List the production model, its history and the candidates of a symbol.\n" + ExitCodes.Help("listed")) { symbol, store, json };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var registry = Composition.Registry(ctx);
                var listing = await ModelListing.LoadAsync(registry, Market.NormalizeKey(parse.GetValue(symbol), ctx.Options.Exchange), ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(listing);
                }
                else
                {
                    Write(ctx.Host.Out, listing, registry.Store.Root);
                }

                return ExitCodes.Ok;
            });
        return command;
    }

    private static void Write(TextWriter output, ModelListing listing, string root)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"{listing.Symbol} in {root}"));
        if (listing.Production is { } p)
        {
            output.WriteLine(string.Create(inv, $"production  {TradingDate.Iso(p.Version)}  {p.JobId}  ({p.Action} by {p.ChangedBy} at {p.ChangedAt:u})"));
        }
        else
        {
            output.WriteLine("production  none");
        }

        foreach (var h in listing.History)
        {
            output.WriteLine(string.Create(inv, $"history     #{h.Sequence} {h.Action,-14} {TradingDate.Iso(h.Version)}  {h.ChangedAt:u}  {h.Reason}"));
        }

        output.WriteLine(string.Create(inv, $"{"candidate",-11} {"job",-40} {"dir.acc",8} {"n_dir",6} {"sh/bar",7} {"return",8} {"maxdd",7}  decision"));
        foreach (var c in listing.Candidates)
        {
            var m = c.Metrics;
            output.WriteLine(string.Create(inv, $"{TradingDate.Iso(c.Date),-11} {c.JobId,-40} {m?.DirectionalAccuracy,8:F4} {m?.NDirectional,6} {m?.SharpePerBar,7:F4} {m?.TotalReturn,8:P2} {m?.MaxDrawdown,7:P2}  {c.Decision}{(c.InProduction ? " (production)" : string.Empty)}"));
        }

        var reports = listing.LatestReports;
        output.WriteLine(reports.Count == 0 ? "reports     none" : "reports     (newest first)");
        foreach (var c in reports)
        {
            output.WriteLine(string.Create(inv, $"{TradingDate.Iso(c.Date),-11} {c.Decision,-9} {c.Report}"));
        }
    }
}
