using System.CommandLine;
using System.Globalization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>rollback: re-point production to the previous (or a named) promoted version, recording who, when and why.</summary>
internal static class RollbackCommand
{
    public static Command Create(CliHost host)
    {
        var symbol = CommonOptions.Symbol();
        var to = new Option<string?>("--to") { Description = "Promoted version to go back to (yyyy-MM-dd or yyyyMMdd); default: the one before the current" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the history (default: \"rollback by operator\")" };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("rollback", "Re-point production of a symbol to the previous promoted version (or --to), recorded in its history.\n" + ExitCodes.HelpText)
        {
            symbol, to, reason, store, json,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var s = Market.NormalizeKey(parse.GetValue(symbol), ctx.Options.Exchange);
                DateOnly? target = parse.GetValue(to) is { } text ? TradingDate.Parse(text) : null;
                var why = parse.GetValue(reason) is { Length: > 0 } given ? given.Trim() : "rollback by operator";
                var registry = Composition.Registry(ctx);
                var before = await registry.GetProductionAsync(s, ct).ConfigureAwait(false);
                var workDir = Path.Combine(ctx.Options.EffectiveWorkDir, "rollback-" + Guid.NewGuid().ToString("N")[..8]);
                try
                {
                    var manifest = await registry.RollbackAsync(s, target, why, $"{Environment.UserName}@{Environment.MachineName}", workDir, ct)
                        .ConfigureAwait(false);
                    foreach (var warning in manifest.Warnings)
                    {
                        await ctx.Host.Err.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
                    }

                    ctx.Log.Information(
                        "Rolled {Symbol} back from {From} to {Version} (change {Sequence})",
                        s, before is { } b ? TradingDate.Iso(b.Manifest.Version) : "none", TradingDate.Iso(manifest.Version), manifest.Sequence);
                    await Ml.Operations.WebhookAlertNotifier.Create(ctx.Options.Alerts, ctx.Time, ctx.Log)
                        .NotifyAsync(Ml.Operations.Alert.RolledBack(manifest), ct).ConfigureAwait(false);
                    if (parse.GetValue(json))
                    {
                        ctx.WriteJson(new RollbackOutput(s, before?.Manifest, manifest));
                    }
                    else
                    {
                        ctx.Host.Out.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"{s}: production rolled back from {(before is { } p ? TradingDate.Iso(p.Manifest.Version) : "none")} to {TradingDate.Iso(manifest.Version)} ({manifest.JobId}), change #{manifest.Sequence} by {manifest.ChangedBy}: {manifest.Reason}"));
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
