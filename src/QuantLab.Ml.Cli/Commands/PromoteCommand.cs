using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>promote: re-evaluate a stored candidate against production and promote it if the policy passes (or --force).</summary>
internal static class PromoteCommand
{
    public static Command Create(CliHost host)
    {
        var symbol = CommonOptions.Symbol();
        var date = new Option<string>("--date", "-d") { Description = "Candidate day (yyyy-MM-dd or yyyyMMdd)", Required = true };
        var store = CommonOptions.Store();
        var force = new Option<bool>("--force") { Description = "Promote even when the policy rejects it (recorded as forced)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the decision; change nothing" };
        var json = CommonOptions.Json();
        var command = new Command("promote", "Re-evaluate a stored candidate against production and promote it when it passes the policy.\n" + ExitCodes.HelpText)
        {
            symbol, date, store, force, dryRun, json,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var request = new PromoteRequest
                {
                    Symbol = Market.NormalizeKey(parse.GetValue(symbol), ctx.Options.Exchange),
                    Date = TradingDate.Parse(parse.GetValue(date)),
                    Force = parse.GetValue(force),
                    DryRun = parse.GetValue(dryRun),
                };
                var workDir = Path.Combine(ctx.Options.EffectiveWorkDir, "promote-" + Guid.NewGuid().ToString("N")[..8]);
                try
                {
                    var promoter = new Promoter(Composition.Registry(ctx), ctx.Options.Promotion, ctx.Log);
                    var result = await promoter.PromoteAsync(request, workDir, ct).ConfigureAwait(false);
                    foreach (var warning in result.Warnings)
                    {
                        // Production did change (exit 0); what did not follow it is said, once per line.
                        await ctx.Host.Err.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
                    }

                    if (parse.GetValue(json))
                    {
                        ctx.WriteJson(result);
                    }
                    else
                    {
                        ctx.Host.Out.WriteLine($"{result.Symbol} {TradingDate.Iso(result.Date)}: {result.Action.ToUpperInvariant()} (policy: {result.Decision.Decision})");
                        foreach (var reason in result.Decision.Reasons)
                        {
                            ctx.Host.Out.WriteLine($"  - {reason}");
                        }
                    }

                    return ExitCodes.Ok;
                }
                finally
                {
                    if (Directory.Exists(workDir))
                    {
                        Directory.Delete(workDir, recursive: true);
                    }
                }
            });
        return command;
    }
}
