using System.CommandLine;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>run-daily: the nightly job for every configured (or given) symbol.</summary>
internal static class RunDailyCommand
{
    public static Command Create(CliHost host)
    {
        var symbol = new Option<string[]>("--symbol", "-s") { Description = "Symbol to train (repeatable), e.g. btcusdt, or bybit-btcusdt on another exchange than Exchange; default: the configured Symbols and Exchanges", AllowMultipleArgumentsPerToken = false };
        var date = new Option<string?>("--date", "-d") { Description = "UTC day (yyyyMMdd or yyyy-MM-dd, at most tomorrow), or 'latest'; default: yesterday" };
        var provider = new Option<string?>("--provider") { Description = "Where the trainer runs: local, ssh or vast (config Provider, default local)" };
        provider.AcceptOnlyFromAmong([.. ComputeProviderKinds.Names]);
        var data = CommonOptions.Data();
        var store = CommonOptions.Store();
        var window = new Option<int?>("--window-days") { Description = "Days of data ending at the date (default: WindowDays, 2)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check data and build the job spec; train nothing, rent nothing" };
        var skipPromotion = new Option<bool>("--skip-promotion") { Description = "Store the candidate but never change production" };
        var force = new Option<bool>("--force") { Description = "Train again even when the same job already finished" };
        var wait = new Option<string?>("--wait-for-data") { Description = "Poll readiness up to this long (e.g. 4h) before giving up with exit 3" };
        var parallel = new Option<int>("--parallel") { Description = "Run up to N symbols at once (local: N trainers; a night on ssh/vast: N symbols prepared at once, machines per --instances)", DefaultValueFactory = _ => 1 };
        parallel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 64)
            {
                r.AddError("--parallel must be 1..64");
            }
        });
        var instances = new Option<int?>("--instances") { Description = "Pack the night's jobs onto at most K machines at once, the cheapest K that finishes before the deadline (ssh, vast, where every run is a night; default Batch:MaxInstances = 4)" };
        instances.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > 64)
            {
                r.AddError("--instances must be 1..64");
            }
        });
        var deadline = new Option<string?>("--deadline") { Description = "UTC time of day the night must be done by, HH:mm (default Batch:Deadline = 06:00)" };
        var json = CommonOptions.Json();
        var command = new Command("run-daily", "Check data, build the dataset, train XGBoost, evaluate out of sample, store the candidate and promote it if it beats production.\n"
            + ExitCodes.Help("finished (also when a candidate is not promoted)", ExitCodes.FailedCode, (ExitCodes.Usage, "bad usage or input (also: provider vast without a Vast key)"), ExitCodes.NotReadyCode, ExitCodes.BusyCode, ExitCodes.InterruptedCode)
            + "\n--dry-run exits with the code the real run would, and its first lines say what would stop it")
        {
            symbol, date, provider, data, store, window, dryRun, skipPromotion, force, wait, parallel, instances, deadline, json,
        };
        foreach (var option in SshOptions.All)
        {
            command.Options.Add(option);
        }

        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, [(provider, "Provider"), (data, "DataRoot"), (store, "StoreRoot"), (window, "WindowDays"), .. SshOptions.Flags]),
            withRunDir: true,
            async (ctx, parse, ct) =>
            {
                var dateText = parse.GetValue(date);
                var latest = string.Equals(dateText, "latest", StringComparison.OrdinalIgnoreCase);
                var symbols = parse.GetValue(symbol) is { Length: > 0 } given ? given.Select(s => Market.NormalizeKey(s, ctx.Options.Exchange)).Distinct().ToList() : ctx.Options.Symbols;
                var request = new RunDailyRequest
                {
                    Symbols = symbols,
                    Date = dateText is null || latest ? null : TradingDate.Parse(dateText),
                    Latest = latest,
                    DryRun = parse.GetValue(dryRun),
                    SkipPromotion = parse.GetValue(skipPromotion),
                    Force = parse.GetValue(force),
                    WaitForData = parse.GetValue(wait) is { } w ? Durations.Parse(w, "--wait-for-data") : null,
                    Parallel = parse.GetValue(parallel),
                    Instances = parse.GetValue(instances),
                    Deadline = parse.GetValue(deadline) is { } dl ? ParseDeadline(dl) : null,
                };
                CheckNotInTheFuture(request.Date, ctx.Time);
                var reporter = NightlyReporter.Create(
                    new NightlyReportOptions { Alerts = ctx.Options.Alerts, Metrics = ctx.Options.Metrics, Symbols = ctx.Options.Symbols, WriteBudget = ctx.Options.Shutdown.StoreWriteBudget },
                    () => Composition.Registry(ctx), Composition.LiveInstances(ctx), ctx.Time, ctx.Log);
                var wouldFail = request.DryRun ? await DryRunTruth.BeforeAsync(ctx, ct).ConfigureAwait(false) : [];
                foreach (var reason in wouldFail)
                {
                    ctx.Log.Warning("Dry run: a real run would fail: {Reason}", reason.Reason);
                }

                var result = await reporter.RunAsync(
                    async token =>
                    {
                        // Without a key the vast provider cannot rent: stop before the data check and the dataset, not after them.
                        if (!request.DryRun && DryRunTruth.MissingVastKey(ctx) is { } noKey)
                        {
                            throw new UsageException(noKey);
                        }

                        return await new DailyPipeline(await Composition.PipelineAsync(ctx, token).ConfigureAwait(false)).RunAsync(request, token).ConfigureAwait(false);
                    },
                    request.DryRun,
                    Path.GetFileName(ctx.RunDir),
                    ct).ConfigureAwait(false);
                var code = ExitCodeOf(result);
                if (request.DryRun)
                {
                    wouldFail.AddRange(DryRunTruth.From(result));
                    code = DryRunTruth.ExitCode(wouldFail, code);
                }

                if (parse.GetValue(json))
                {
                    ctx.WriteJson(new RunDailyOutput(result.RunId, result.Runs, result.Night)
                    {
                        WouldFail = request.DryRun ? wouldFail.Select(f => f.Reason).ToList() : null,
                        ExitCode = code,
                        LogFile = ctx.LogFile,
                    });
                }
                else
                {
                    if (request.DryRun)
                    {
                        DryRunTruth.Write(ctx.Host.Out, wouldFail, code);
                    }

                    RunReport.Write(ctx.Host.Out, result, ctx.LogFile);
                }

                if (code == ExitCodes.Failed)
                {
                    // Every exit 1 says why on stderr in one line, whatever the output format.
                    var failed = result.Runs.Where(r => r.Status == RunStatus.Failed).ToList();
                    var why = failed.Count > 0
                        ? $"{failed.Count} of {result.Runs.Count} symbol(s) failed: {string.Join("; ", failed.Select(r => $"{r.Symbol}: {r.Error}"))}"
                        : $"dry run: a real run would fail: {string.Join("; ", wouldFail.Select(f => f.Reason))}";
                    await ctx.Host.Err.WriteLineAsync($"error: {why.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                }

                return code;
            });
        return command;
    }

    /// <summary>A day after tomorrow (UTC) has no data and never will tonight: bad input, not hours of waiting for it.</summary>
    internal static void CheckNotInTheFuture(DateOnly? date, TimeProvider time)
    {
        var tomorrow = TradingDate.YesterdayUtc(time).AddDays(2);
        if (date is { } d && d > tomorrow)
        {
            throw new UsageException($"--date {TradingDate.Iso(d)} is in the future (today is {TradingDate.Iso(tomorrow.AddDays(-1))} UTC); the newest day with data is yesterday");
        }
    }

    private static TimeOnly ParseDeadline(string text) =>
        TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new UsageException($"--deadline: '{text.ReplaceLineEndings(" ")}' is not a UTC time of day like 06:00");

    internal static int ExitCodeOf(RunDailyResult result) =>
        result.Runs.Any(r => r.Status == RunStatus.Failed) ? ExitCodes.Failed
        : result.Runs.Any(r => r.Status == RunStatus.NotReady) ? ExitCodes.DataNotReady
        : result.Runs.Any(r => r.Status == RunStatus.Held) ? ExitCodes.Busy
        : ExitCodes.Ok;
}
