using System.CommandLine;
using System.CommandLine.Invocation;
using QuantLab.Ml.Cli.Commands;

namespace QuantLab.Ml.Cli;

/// <summary>The composition root of the command line: the command tree and its invocation.</summary>
public static class QuantLabCli
{
    public static RootCommand BuildRoot(CliHost host)
    {
        var root = new RootCommand(
            "quantlab-ml: nightly XGBoost training on compact market data, with promotion only when a model really beats production.\n"
            + ExitCodes.HelpText)
        {
            CommonOptions.Config,
            CommonOptions.Verbose,
        };
        root.Subcommands.Add(RunDailyCommand.Create(host));
        root.Subcommands.Add(PromoteCommand.Create(host));
        root.Subcommands.Add(ModelsCommand.Create(host));
        root.Subcommands.Add(RollbackCommand.Create(host));
        root.Subcommands.Add(DataCommand.Create(host));
        root.Subcommands.Add(OffersCommand.Create(host));
        root.Subcommands.Add(InstancesCommand.Create(host));
        root.Subcommands.Add(RunsCommand.Create(host));
        root.Subcommands.Add(LogsCommand.Create(host));
        root.Subcommands.Add(StatusCommand.Create(host));
        root.Subcommands.Add(ConfigCommand.Create(host));
        root.Options.OfType<VersionOption>().Single().Action = new VersionAction(host);
        root.Subcommands.Add(ReapOrphansCommand.Create(host));
        root.Subcommands.Add(NotifyFailureCommand.Create(host));
        return root;
    }

    /// <summary>Parses and runs; a parse error is one error: line (with "did you mean" for a mistyped command) and exit 2.</summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct)
    {
        var root = BuildRoot(host);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration
        {
            Output = host.Out,
            Error = host.Err,
            EnableDefaultExceptionHandler = false,

            // SIGTERM cancels the token; the process must then live long enough to destroy what it rented. The default
            // 2 s would kill every cleanup: the window is the configured one, which the cleanup budgets are checked against.
            ProcessTerminationTimeout = host.TerminationWindow ?? TerminationWindow(parse, host),
        };
        if (parse.Action is ParseErrorAction)
        {
            return await ParseErrors.ReportAsync(parse, host).ConfigureAwait(false);
        }

        return await parse.InvokeAsync(config, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Shutdown:TerminationWindow of the configuration the command will load; the default when it cannot be read (the
    /// command then fails with exit 2 on that same configuration before it rents anything).
    /// </summary>
    private static TimeSpan TerminationWindow(ParseResult parse, CliHost host)
    {
        try
        {
            var config = Configuration.ConfigurationLoader.Load(parse.GetValue(CommonOptions.Config), host.Environment, new Dictionary<string, string?>(), host.CurrentDirectory, host.SystemConfigFile);
            return Ml.Configuration.TimeBudget.From(config.Options).TerminationWindow;
        }
        catch (Common.QuantLabException)
        {
            return Ml.Configuration.TimeBudget.Default.TerminationWindow;
        }
    }
}
