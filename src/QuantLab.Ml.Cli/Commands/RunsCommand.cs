using System.CommandLine;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>runs: the recent run-daily invocations from the store's run log (date, symbol, status, duration, machine, cost, decision).</summary>
internal static class RunsCommand
{
    public static Command Create(CliHost host)
    {
        var last = new Option<int>("--last") { Description = "How many runs (default 10)", DefaultValueFactory = _ => 10 };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("runs", "List recent runs: date, symbol, status, duration, machine, cost, decision.") { last, store, json };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var n = parse.GetValue(last);
                if (n is < 1 or > 1000)
                {
                    throw new UsageException($"--last must be 1..1000, got {n}");
                }

                var runs = await new RunLog(Composition.Store(ctx)).ListAsync(n, ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(new RunsOutput(runs));
                    return ExitCodes.Ok;
                }

                var inv = CultureInfo.InvariantCulture;
                ctx.Host.Out.WriteLine($"{"started (UTC)",-20} {"symbol",-10} {"date",-10} {"status",-10} {"duration",9} {"provider",-8} {"machine",-12} {"cost $",8}  decision");
                foreach (var run in runs)
                {
                    foreach (var entry in run.Runs)
                    {
                        ctx.Host.Out.WriteLine(string.Create(inv,
                            $"{run.StartedAt:yyyy-MM-dd HH:mm:ss}  {entry.Symbol,-10} {(entry.Date is { } d ? TradingDate.Iso(d) : "-"),-10} {entry.Status,-10} {entry.DurationSeconds,8:F1}s {run.Provider,-8} {entry.Machine ?? "-",-12} {(entry.CostUsd is { } c ? c.ToString("F3", inv) : "-"),8}  {entry.Decision ?? "-"}"));
                    }
                }

                return ExitCodes.Ok;
            });
        return command;
    }
}
