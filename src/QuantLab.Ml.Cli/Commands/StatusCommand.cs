using System.CommandLine;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>status: last run, production model and live machines per symbol; exit 1 when a last run failed or is stale (for monitors).</summary>
internal static class StatusCommand
{
    /// <summary>Our live Vast instances; null without a Vast key (status then says "unknown").</summary>
    public static Command Create(CliHost host)
    {
        var symbol = new Option<string[]>("--symbol", "-s") { Description = "Symbol to report (repeatable); default: the configured Symbols" };
        var store = CommonOptions.Store();
        var maxAge = new Option<string?>("--max-age") { Description = "A last run that finished longer ago than this is stale (default 26h)" };
        var json = CommonOptions.Json();
        var command = new Command(
            "status",
            "For each symbol: the last run (when, outcome, cost), the production model (date, key metrics, age) and live rented machines.\n"
            + "exit codes: 0 every last run succeeded and is fresh, 1 a last run failed, found no data, is missing or is older than --max-age, 2 bad usage")
        {
            symbol, store, maxAge, json,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var symbols = parse.GetValue(symbol) is { Length: > 0 } given ? given.Select(s => Market.NormalizeKey(s, ctx.Options.Exchange)).Distinct().ToList() : ctx.Options.Symbols;
                var limit = parse.GetValue(maxAge) is { } text ? Durations.Parse(text, "--max-age") : StatusReader.DefaultMaxAge;
                var registry = new Ml.Storage.ModelRegistry(await Composition.KnownStoreAsync(ctx, ct).ConfigureAwait(false), ctx.Time);
                var reader = new StatusReader(registry, Composition.LiveInstances(ctx), ctx.Time);
                var report = await reader.ReadAsync(symbols, limit, ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(report);
                }
                else
                {
                    Write(ctx.Host.Out, report);
                }

                return report.Healthy ? ExitCodes.Ok : ExitCodes.Failed;
            });
        return command;
    }

    private static void Write(TextWriter output, StatusReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"quantlab-ml status of {report.Store} at {report.CheckedAt:yyyy-MM-dd HH:mm} UTC"));
        foreach (var s in report.Symbols)
        {
            output.WriteLine(s.Healthy ? $"{s.Symbol}  OK" : $"{s.Symbol}  UNHEALTHY");
            foreach (var problem in s.Problems)
            {
                output.WriteLine($"  ! {problem}");
            }

            if (s.LastRun is { } r)
            {
                var cost = r.CostUsd is { } c ? string.Create(inv, $"  ${c:F2}") : string.Empty;
                var date = r.Date is { } d ? TradingDate.Iso(d) : "-";
                output.WriteLine(string.Create(inv, $"  last run    {r.FinishedAt:yyyy-MM-dd HH:mm} UTC ({r.AgeHours:F1} h ago)  {RunsCommand.Words(r.Status)}  {date}  {r.Decision?.Wire() ?? "-"}  {Durations.FormatSeconds(r.DurationSeconds)}{cost}  {r.Provider}@{r.Host}  {r.RunId}"));
                if (r.Candidate is { } m)
                {
                    output.WriteLine($"  candidate   {Metrics(m)}");
                }

                if (r.Error is { } error)
                {
                    output.WriteLine($"  error       {error}");
                }
            }

            if (s.Production is { } p)
            {
                output.WriteLine(string.Create(inv, $"  production  {TradingDate.Iso(p.Version)}  {p.Action} {p.ChangedAt:yyyy-MM-dd HH:mm} UTC ({p.AgeHours / 24:F1} days ago)  {p.JobId}"));
                if (p.Metrics is { } m)
                {
                    output.WriteLine($"              {Metrics(m)}");
                }
            }
            else
            {
                output.WriteLine("  production  none");
            }

            output.WriteLine(s.LiveInstances switch
            {
                null => "  instances   unknown",
                { Count: 0 } => "  instances   none live",
                var live => $"  instances   {live.Count} LIVE: {string.Join(", ", live.Select(i => $"{i.Provider}:{i.InstanceId} {i.State}"))}",
            });
        }

        if (report.InstancesNote is { } note)
        {
            output.WriteLine($"instances: {note}");
        }
        else if (report.LiveInstances is { Count: > 0 } all && all.Any(i => i.Symbol is null))
        {
            output.WriteLine($"instances: {all.Count(i => i.Symbol is null)} live instance(s) not attributable to a symbol");
        }

        output.WriteLine(report.Healthy ? "HEALTHY" : "UNHEALTHY (exit 1)");
    }

    private static string Metrics(KeyMetrics m) => string.Create(
        NumberText.Invariant,
        $"hit rate {m.DirectionalAccuracy ?? double.NaN:F4} on {m.NDirectional}  Sharpe {m.SharpePerBar ?? double.NaN:G3} ± {m.SharpePerBarSe ?? double.NaN:G3} per bar  return {m.TotalReturn ?? double.NaN:P2}  max drawdown {m.MaxDrawdown ?? double.NaN:P2}");
}
