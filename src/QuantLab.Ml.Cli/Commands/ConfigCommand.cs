using System.CommandLine;
using QuantLab.Ml.Common;
using QuantLab.Ml.ConfigCheck;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>config check: is this machine ready for tonight? Values with their sources (secrets masked) and every probe.</summary>
internal static class ConfigCommand
{
    public static Command Create(CliHost host)
    {
        var command = new Command("config", "Inspect the configuration.");
        command.Subcommands.Add(Check(host));
        return command;
    }

    /// <summary>The probes config check runs; parts that exist later add theirs here (the Vast API probe, the S3 bucket probe).</summary>
    internal static IReadOnlyList<IConfigProbe> Probes() => [.. ConfigProbes.Standard(), new VastApiProbe()];

    private static Command Check(CliHost host)
    {
        var store = CommonOptions.Store();
        var data = CommonOptions.Data();
        var provider = new Option<string?>("--provider") { Description = "Check for this provider: local, ssh, vast (config Provider)" };
        provider.AcceptOnlyFromAmong([.. ComputeProviderKinds.Names]);
        var json = CommonOptions.Json();
        var command = new Command(
            "check",
            "Load and validate the configuration, show each value and where it came from (secrets masked), and test what a nightly run needs.\n"
            + "exit codes: 0 everything a nightly run needs is present, 1 something is missing or unreachable, 2 the configuration is invalid")
        {
            store, data, provider, json,
        };

        // Not CommandAction.Set: that stops at an invalid configuration, and reporting one is exactly this command's job.
        command.SetAction(async (parse, ct) =>
        {
            var logger = Logging.Create(host.Err, parse.GetValue(CommonOptions.Verbose), clefFile: null);
            await using (logger.ConfigureAwait(false))
            {
                var request = new ConfigCheckRequest
                {
                    ConfigFile = parse.GetValue(CommonOptions.Config),
                    Environment = host.Environment,
                    Flags = CommandAction.Flags(parse, (store, "StoreRoot"), (data, "DataRoot"), (provider, "Provider")),
                    CurrentDirectory = host.CurrentDirectory,
                    SystemFile = host.SystemConfigFile,
                };
                try
                {
                    var report = await new ConfigChecker(Probes(), host.Time, logger).CheckAsync(request, ct).ConfigureAwait(false);
                    if (parse.GetValue(json))
                    {
                        await host.Out.WriteLineAsync(Json.Serialize(report, CliJson.Output)).ConfigureAwait(false);
                    }
                    else
                    {
                        Write(host.Out, report);
                    }

                    return !report.Valid ? ExitCodes.Usage : report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    await host.Err.WriteLineAsync("error: interrupted").ConfigureAwait(false);
                    return ExitCodes.Interrupted;
                }
            }
        });
        return command;
    }

    private static void Write(TextWriter output, ConfigReport report)
    {
        output.WriteLine(report.ConfigFile is null
            ? "configuration file: none (defaults, environment and flags only)"
            : $"configuration file: {report.ConfigFile} (from {report.ConfigFileFrom ?? "--config"})");
        if (report.Values.Count > 0)
        {
            var width = report.Values.Max(v => v.Key.Length);
            foreach (var v in report.Values)
            {
                output.WriteLine($"  {v.Key.PadRight(width)}  {v.Value ?? "(none)"}  [{v.Source}]{(v.Allowed is null ? string.Empty : $"  allowed: {v.Allowed}")}");
            }
        }

        output.WriteLine();

        output.WriteLine("checks");
        foreach (var c in report.Checks)
        {
            output.WriteLine($"  {Mark(c.Status)} {c.Name}: {c.Detail}");
        }

        output.WriteLine();
        output.WriteLine(report.Ok
            ? "READY: everything a nightly run needs is present"
            : $"NOT READY: {report.Checks.Count(c => c.Status == CheckStatus.Fail)} check(s) failed");
    }

    private static string Mark(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok  ",
        CheckStatus.Warn => "WARN",
        CheckStatus.Fail => "FAIL",
        _ => "skip",
    };
}
