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
        var last = new Option<int>("--last") { Description = "How many runs, 1..1000", DefaultValueFactory = _ => 10 };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("runs", "List recent runs: run id, symbol, date, status, duration, machine, cost, decision and error.\n" + ExitCodes.Help("listed")) { last, store, json };
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
                var idWidth = Math.Max(6, runs.Select(r => r.RunId.Length).DefaultIfEmpty(0).Max());
                ctx.Host.Out.WriteLine(string.Create(inv, $"{"started (UTC)",-19}  {"run id".PadRight(idWidth)}  {"symbol",-10} {"date",-10} {"status",-10} {"duration",-11} {"provider",-8} {"machine",-12} {"cost $",8}  {"decision",-9} error"));
                foreach (var run in runs)
                {
                    foreach (var entry in run.Runs)
                    {
                        ctx.Host.Out.WriteLine(string.Create(inv,
                            $"{run.StartedAt:yyyy-MM-dd HH:mm:ss}  {run.RunId.PadRight(idWidth)}  {entry.Symbol,-10} {(entry.Date is { } d ? TradingDate.Iso(d) : "-"),-10} {Words(entry.Status),-10} {Durations.FormatSeconds(entry.DurationSeconds),-11} {run.Provider,-8} {entry.Machine ?? "-",-12} {(entry.CostUsd is { } c ? c.ToString("F3", inv) : "-"),8}  {entry.Decision?.Wire() ?? "-",-9} {OneLine(entry.Error)}"));
                    }
                }

                if (runs.Any(r => r.Runs.Any(e => e.Error is not null)))
                {
                    ctx.Host.Out.WriteLine("a run's log: quantlab-ml logs RUN-ID");
                }

                return ExitCodes.Ok;
            });
        return command;
    }

    /// <summary>A stored status ("not_ready") in words ("not ready").</summary>
    internal static string Words(string status) => status.Replace('_', ' ');

    /// <summary>An error on one line, cut to what fits a terminal; the whole text is in --json and the run's log.</summary>
    private static string OneLine(string? error)
    {
        if (error is null)
        {
            return "-";
        }

        var line = error.ReplaceLineEndings(" ");
        return line.Length > 160 ? line[..157] + "..." : line;
    }
}
