using System.ComponentModel;
using System.Diagnostics;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>Runs the configured interpreter and imports xgboost and numpy, as the local trainer will.</summary>
public sealed class PythonProbe : IConfigProbe
{
    private const string Name = "python";
    private const string Script = "import sys, xgboost, numpy; print(sys.version.split()[0], xgboost.__version__, numpy.__version__)";

    /// <summary>Importing xgboost takes seconds on a cold disk; a minute means something is wrong.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var python = context.Options.Trainer.Python;

        // Only the local provider runs the trainer here; ssh and vast run it on the remote machine's interpreter.
        var required = context.Options.Provider == ComputeProviderKind.Local;
        var suffix = required ? string.Empty : $" (only the local provider needs it; provider is {context.Options.Provider.Wire()})";
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return [CheckResult.FailIf(required, Name, $"{python} cannot be started: {ex.Message}{suffix}")];
        }

        using var timeout = new CancellationTokenSource(Timeout, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var stdout = process.StandardOutput.ReadToEndAsync(linked.Token);
        var stderr = process.StandardError.ReadToEndAsync(linked.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            var output = (await stdout.ConfigureAwait(false)).Trim();
            var error = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                var last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit {process.ExitCode}";
                return [CheckResult.FailIf(required, Name, $"{python} cannot import xgboost and numpy: {last}{suffix}")];
            }

            var parts = output.Split(' ');
            return parts.Length == 3
                ? [CheckResult.Ok(Name, $"{python}: python {parts[0]}, xgboost {parts[1]}, numpy {parts[2]}")]
                : [CheckResult.Ok(Name, $"{python}: {output}")];
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return [CheckResult.FailIf(required, Name, $"{python} did not import xgboost within {Timeout.TotalSeconds:F0} s{suffix}")];
        }
    }
}
