using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote.Scripts;
using Serilog;

namespace QuantLab.Ml.Remote;

/// <summary>Runs bootstrap.py once per host: finds the interpreter, installs the requirements when missing, lists the GPUs.</summary>
internal sealed class TrainerBootstrap(RemoteRunnerOptions options)
{
    public async Task<BootstrapReport> RunAsync(RemoteSession session, RemoteJobLayout layout, ILogger log, CancellationToken ct)
    {
        var conn = session.Connection;
        var command = ShellQuote.Script(RemoteScripts.Bootstrap, [layout.JobDir, options.Python, layout.EnvsDir, .. options.PipArgs.Select(a => "--pip-arg=" + a)]);
        RemoteCommandResult result;
        try
        {
            result = await conn.WithReconnectAsync("bootstrap", token => conn.RunAsync(command, options.BootstrapTimeout, token), timeoutIsFatal: true, ct).ConfigureAwait(false);
        }
        catch (RemoteCommandTimeoutException)
        {
            var minutes = options.BootstrapTimeout.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);
            throw new RemoteCommandException($"bootstrap of the trainer environment on {conn.Endpoint} did not finish within {minutes} min");
        }

        foreach (var line in result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // bootstrap.py's own lines say why pip runs; pip's chatter is only for debugging.
            if (line.StartsWith("bootstrap:", StringComparison.Ordinal))
            {
                log.Warning("{BootstrapLine}", line);
            }
            else
            {
                log.Debug("bootstrap: {BootstrapLine}", line);
            }
        }

        if (result.ExitCode == 127)
        {
            throw new RemoteCommandException($"Remote:Python '{SymbolName.Printable(options.Python)}' was not found on {conn.Endpoint}, nor any usual interpreter: {result.LastErrorLine}");
        }

        if (result.ExitCode != 0)
        {
            throw new RemoteCommandException($"bootstrap of the trainer environment on {conn.Endpoint} failed (exit {RemoteSession.FormatExit(result.ExitCode)}): {result.LastErrorLine}");
        }

        var json = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        var report = Json.Deserialize(json, RemoteJson.Indented.BootstrapReport, "bootstrap report from " + conn.Endpoint);
        log.Information(
            "trainer environment on {Endpoint}: Python {PythonVersion} at {Python}, packages {@Packages}, pip install {PipInstalled}, GPUs {@Gpus}",
            conn.Endpoint.ToString(),
            report.PythonVersion,
            report.Python,
            report.Packages,
            report.PipInstalled,
            report.Gpus);
        return report;
    }
}
