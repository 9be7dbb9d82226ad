using System.Diagnostics;

namespace QuantLab.Ml.Tests.Support.Sshd;

/// <summary>Runs a local helper program (ssh-keygen, pgrep, kill, sshd) and captures its output.</summary>
public static class Proc
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<Result> RunCheckedAsync(string file, IEnumerable<string> args, CancellationToken ct, string? workingDirectory = null)
    {
        var result = await RunAsync(file, args, ct, workingDirectory);
        return result.ExitCode == 0 ? result : throw new InvalidOperationException($"{file} failed ({result.ExitCode}): {result.Stderr}");
    }

    /// <summary>Live (non-zombie) processes whose process group is <paramref name="pgid"/>, read from /proc like the runner does remotely.</summary>
    public static IReadOnlyList<int> LiveProcessesInGroup(int pgid)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z" && fields[2] == pgid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                found.Add(pid);
            }
        }

        return found;
    }
}
