using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.Operations;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>notify-failure UNIT: the alert of systemd's OnFailure= (cron/quantlab-ml-alert@.service), through the Alerts webhook.</summary>
internal static class NotifyFailureCommand
{
    public static Command Create(CliHost host)
    {
        var unit = new Argument<string>("unit") { Description = "The failed unit, e.g. quantlab-ml.service (systemd passes %i)" };
        var command = new Command(
            "notify-failure",
            "Send the 'unit failed' alert to the Alerts webhook (what systemd's OnFailure= runs).\n"
            + ExitCodes.Help("delivered", (ExitCodes.Failed, "not delivered, or no Alerts:WebhookUrl"), ExitCodes.UsageCode))
        {
            unit,
        };
        CommandAction.Set(
            command,
            host,
            _ => new Dictionary<string, string?>(),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var name = parse.GetValue(unit)!.Trim();
                if (name.Length is 0 or > 200 || name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                {
                    throw new UsageException("the unit must be a systemd unit name such as quantlab-ml.service");
                }

                var delivered = await WebhookAlertNotifier.Create(ctx.Options.Alerts, ctx.Time, ctx.Log).NotifyAsync(Alert.UnitFailed(name), ct).ConfigureAwait(false);
                return delivered ? ExitCodes.Ok : ExitCodes.Failed;
            });
        return command;
    }
}
