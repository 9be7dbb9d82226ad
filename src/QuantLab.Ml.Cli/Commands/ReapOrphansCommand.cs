using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.Reaping;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>reap-orphans: destroy the Vast instances of ours that no live run owns (cron runs it hourly and before each night).</summary>
internal static class ReapOrphansCommand
{
    public static Command Create(CliHost host)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be destroyed and why; destroy nothing" };
        var maxAge = new Option<string?>("--max-age") { Description = "Destroy any instance of ours older than this, e.g. 90m (default: the longest a job can live, all stage limits and margins)" };
        var labelPrefix = new Option<string?>("--label-prefix") { Description = "Only instances whose label starts with this are ours (config Vast:LabelPrefix, default quantlab-ml:)" };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command(
            "reap-orphans",
            "Destroy the Vast instances labelled with our prefix whose run ended, whose owner is gone, that are older than --max-age, "
            + "or that have no run record and are older than the longest a job can live (all stage limits and margins). Instances without our prefix are never touched.\n"
            + "exit codes: 0 nothing left to reap, 1 a destroy failed or the instance list could not be read, 2 bad usage")
        {
            dryRun, maxAge, labelPrefix, store, json,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot"), (labelPrefix, "Vast:LabelPrefix")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                // Flags first: a bad --max-age is the operator's typo to hear about, before any key or network is needed.
                TimeSpan? age = parse.GetValue(maxAge) is { } text ? Durations.Parse(text, "--max-age") : null;
                var vast = Composition.Vast(ctx);
                var request = ReapRequest.For(Composition.Budget(ctx), vast.Options.LabelPrefix, parse.GetValue(dryRun));
                var store = await Composition.KnownStoreAsync(ctx, ct).ConfigureAwait(false);
                if (age is { } a)
                {
                    request = request with { MaxAge = a };
                }

                var result = await new OrphanReaper(vast, store, ctx.Time, ctx.Log).ReapAsync(request, ct).ConfigureAwait(false);
                await AlertAsync(ctx, result, ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(result);
                }
                else
                {
                    await ctx.Host.Out.WriteAsync(ReapTable.Render(result)).ConfigureAwait(false);
                }

                if (FailureLine(result) is { } line)
                {
                    // The document or table above says everything; this is the one line cron mail and the operator look for.
                    await ctx.Host.Err.WriteLineAsync(line).ConfigureAwait(false);
                }

                return ExitCodeOf(result);
            });
        return command;
    }

    internal static int ExitCodeOf(ReapResult result) => result.DestroyFailures > 0 ? ExitCodes.Failed : ExitCodes.Ok;

    /// <summary>One error: line naming every orphan whose destroy was not verified (they may still bill), or null.</summary>
    internal static string? FailureLine(ReapResult result)
    {
        var failed = result.Orphans.Where(o => o.Outcome == ReapOutcome.DestroyFailed).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        var c = System.Globalization.CultureInfo.InvariantCulture;
        var which = failed.Count == 1
            ? string.Create(c, $"Vast instance {failed[0].Id} ({failed[0].Label ?? "no label"}) could not be destroyed and may still be billing: {failed[0].Error}")
            : string.Create(c, $"Vast instances {string.Join(", ", failed.Select(o => o.Id))} could not be destroyed and may still be billing; the first: {failed[0].Error}");
        return $"error: {which.ReplaceLineEndings(" ")}; the next reap-orphans will retry {(failed.Count == 1 ? "it" : "them")}";
    }

    /// <summary>Every reaped instance was money leaking, and a failed destroy still is: both go to the alert webhook.</summary>
    private static async Task AlertAsync(CommandContext ctx, ReapResult result, CancellationToken ct)
    {
        if (result.DryRun)
        {
            return;
        }

        var notifier = Ml.Operations.WebhookAlertNotifier.Create(ctx.Options.Alerts, ctx.Time, ctx.Log);
        foreach (var orphan in result.Orphans)
        {
            var id = orphan.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var alert = orphan.Outcome == ReapOutcome.DestroyFailed
                ? Ml.Operations.Alert.InstanceLeaked(id, orphan.Label, orphan.Error ?? orphan.Reason)
                : orphan.Outcome == ReapOutcome.Destroyed ? Ml.Operations.Alert.InstanceReaped(id, orphan.Label, orphan.Reason) : null;
            if (alert is not null)
            {
                await notifier.NotifyAsync(alert, ct).ConfigureAwait(false);
            }
        }
    }
}
