using System.Diagnostics;

namespace QuantLab.Ml.Tests.Dataset;

/// <summary>Runs small scripts with a Python that has numpy: $QUANTLAB_TEST_PYTHON first, then /usr/bin/python3.</summary>
internal static class NumpyPython
{
    private static readonly Lazy<string?> Interpreter = new(Find);

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> and returns its stdout; skips the test when no numpy is found.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string> args, CancellationToken ct)
    {
        var python = Interpreter.Value;
        if (python is null)
        {
            Assert.Skip("no Python with numpy: set QUANTLAB_TEST_PYTHON (scripts/test.sh does) or install python3-numpy for /usr/bin/python3");
        }

        var (exit, stdout, stderr) = await ExecAsync(python, ["-c", script, .. args], ct);
        Assert.True(exit == 0, $"python exited {exit}: {stderr}");
        return stdout;
    }

    private static string? Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("QUANTLAB_TEST_PYTHON"), "/usr/bin/python3" };
        foreach (var candidate in candidates)
        {
            if (string.IsNullOrEmpty(candidate) || !File.Exists(candidate))
            {
                continue;
            }

            try
            {
                var (exit, _, _) = ExecAsync(candidate, ["-c", "import numpy"], CancellationToken.None).GetAwaiter().GetResult();
                if (exit == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not runnable: try the next one.
            }
        }

        return null;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> ExecAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }
}
