using System.CommandLine;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>instances: the account's Vast instances carrying our label prefix (all of them with --all), with age and cost so far.</summary>
internal static class InstancesCommand
{
    public static Command Create(CliHost host)
    {
        var all = new Option<bool>("--all") { Description = "Every instance of the account, not only ours" };
        var json = CommonOptions.Json();
        var command = new Command("instances", "List rented Vast.ai instances: id, label, status, age, $/h, cost so far and the SSH host and port (needs VAST_API_KEY).\n"
            + ExitCodes.Help("listed", (ExitCodes.Failed, "Vast could not be asked (an error: line says why)"), (ExitCodes.Usage, "bad usage, or no Vast API key"))) { all, json };
        CommandAction.Set(
            command,
            host,
            _ => new Dictionary<string, string?>(),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var client = Composition.VastClient(ctx, requireKey: true);
                var instances = await client.ListInstancesAsync(parse.GetValue(all) ? null : client.Options.LabelPrefix, ct).ConfigureAwait(false);
                var rows = InstanceTable.Rows(instances, ctx.Time);
                if (parse.GetValue(json))
                {
                    ctx.WriteJson(new InstancesOutput(rows));
                }
                else
                {
                    await ctx.Host.Out.WriteAsync(InstanceTable.Render(rows)).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            });
        return command;
    }
}
