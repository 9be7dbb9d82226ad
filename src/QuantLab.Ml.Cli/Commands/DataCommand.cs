using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>data check / data sample: readiness of a day's compact data, and realistic synthetic data for demos and tests.</summary>
internal static class DataCommand
{
    public static Command Create(CliHost host)
    {
        var command = new Command("data", "Compact market data: check readiness, generate sample data.");
        command.Subcommands.Add(Check(host));
        command.Subcommands.Add(Sample(host));
        return command;
    }

    private static Command Check(CliHost host)
    {
        var symbol = CommonOptions.Symbol();
        var date = new Option<string?>("--date", "-d") { Description = "UTC day (yyyyMMdd or yyyy-MM-dd); default: yesterday" };
        var exchange = new Option<string?>("--exchange") { Description = "Exchange (config Exchange, default binance)" };
        var data = CommonOptions.Data();
        var window = new Option<int?>("--window-days") { Description = "Check this many days ending at the date" };
        var json = CommonOptions.Json();
        var command = new Command("check", "Is the day's compact data ready for training? READY, NOT_READY or FAILED, with reasons.\n"
            + ExitCodes.Help("ready", (ExitCodes.Failed, "failed: compacted but unusable, or unreadable (waiting will not help)"), ExitCodes.UsageCode, ExitCodes.NotReadyCode))
        {
            symbol, date, exchange, data, window, json,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (exchange, "Exchange"), (data, "DataRoot"), (window, "WindowDays")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var o = ctx.Options;
                var market = Market.Parse(parse.GetValue(symbol), o.Exchange);
                var day = parse.GetValue(date) is { } text ? TradingDate.Parse(text) : TradingDate.YesterdayUtc(ctx.Time);
                RunDailyCommand.CheckNotInTheFuture(day, ctx.Time);
                var source = Composition.Data(ctx);
                var report = await ReadinessChecker.CheckWindowAsync(source, market.Exchange, o.Stream, market.Symbol, day, o.WindowDays, o.DataCheck, ct).ConfigureAwait(false);
                var status = report.Status switch
                {
                    ReadinessStatus.Ready => "READY",
                    ReadinessStatus.NotReady => "NOT_READY",
                    _ => "FAILED",
                };
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(new DataCheckOutput(market.Symbol, TradingDate.Iso(day), market.Exchange, source.Root, status, report.Degraded, report.Reasons, report.Partitions));
                }
                else
                {
                    ctx.Host.Out.WriteLine($"{market.Symbol} {TradingDate.Iso(day)} ({market.Exchange}, {source.Root}): {status}{(report.Degraded ? " (DEGRADED)" : string.Empty)}");
                    foreach (var reason in report.Reasons)
                    {
                        ctx.Host.Out.WriteLine($"  - {reason}");
                    }
                }

                return report.Status switch
                {
                    ReadinessStatus.Ready => ExitCodes.Ok,
                    ReadinessStatus.NotReady => ExitCodes.DataNotReady,
                    _ => ExitCodes.Failed,
                };
            });
        return command;
    }

    private static Command Sample(CliHost host)
    {
        var symbol = CommonOptions.Symbol(exchangePrefix: false);
        var from = new Option<string>("--from") { Description = "First UTC day (yyyyMMdd or yyyy-MM-dd)", Required = true };
        var days = new Option<int>("--days") { Description = "Number of days", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Output folder (the data root)", Required = true };
        var exchange = new Option<string?>("--exchange") { Description = "Exchange (config Exchange, default binance)" };
        var seed = new Option<long>("--seed") { Description = "Random seed: the same seed gives the same bytes", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Average BBO updates per second", DefaultValueFactory = _ => 4.0 };
        var hours = new Option<double>("--hours") { Description = "Hours of each day to generate (from 00:00 UTC)", DefaultValueFactory = _ => 24.0 };
        var regime = new Option<string>("--regime")
        {
            Description = "signal: the next mid move leans with the book imbalance (seconds; a taker's fee eats it); flow: also a slow order flow that moves the mid for minutes (seen in recent returns), an edge that can pay the fee; noise: nothing is predictable",
            DefaultValueFactory = _ => "signal",
        };
        regime.AcceptOnlyFromAmong("signal", "flow", "noise");
        var spreadBps = new Option<double>("--spread-bps") { Description = "Narrowest quoted spread in bps of the price (0: one tick)", DefaultValueFactory = _ => 0 };
        var command = new Command("sample", "Write realistic synthetic compact BBO data (parquet, meta.json, compacted/_state.json) in the production layout.\n" + ExitCodes.Help("written"))
        {
            symbol, from, days, output, exchange, seed, rate, hours, regime, spreadBps,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (exchange, "Exchange")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var outDir = Path.GetFullPath(parse.GetValue(output)!, ctx.Host.CurrentDirectory);
                var options = new SampleOptions
                {
                    Exchange = ctx.Options.Exchange,
                    Symbol = SymbolName.Parse(parse.GetValue(symbol)),
                    From = TradingDate.Parse(parse.GetValue(from)),
                    Days = parse.GetValue(days),
                    Seed = parse.GetValue(seed),
                    Rate = parse.GetValue(rate),
                    Hours = parse.GetValue(hours),
                    Regime = parse.GetValue(regime) switch { "noise" => SampleRegime.Noise, "flow" => SampleRegime.Flow, _ => SampleRegime.Signal },
                    SpreadBps = parse.GetValue(spreadBps),
                };
                options.Validate();
                var written = await SampleDataWriter.WriteAsync(outDir, options, ct).ConfigureAwait(false);
                foreach (var partition in written.Partitions)
                {
                    ctx.Host.Out.WriteLine($"{partition.Key}  {partition.Rows} rows");
                }

                return ExitCodes.Ok;
            });
        return command;
    }
}
