using Microsoft.Extensions.Configuration;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>
/// Every configured "…File" (Ssh:KeyFile, Ssh:KnownHostsFile, Vast:ApiKeyFile…) must exist; key files must be private
/// (no group or other permission bits), as ssh itself insists.
/// </summary>
public sealed class FilesProbe : IConfigProbe
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = new List<CheckResult>();
        var home = context.Environment.GetValueOrDefault("HOME");
        foreach (var (key, value) in context.Config.Raw.AsEnumerable().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(value) || !key.Split(':')[^1].EndsWith("File", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // A section named like the provider (Ssh with ssh, Vast with vast) is what tonight's run uses; other sections only warn.
            var required = key.StartsWith(context.Options.Provider.Wire() + ":", StringComparison.OrdinalIgnoreCase);
            var path = value.StartsWith("~/", StringComparison.Ordinal) && home is not null ? Path.Combine(home, value[2..]) : value;
            results.Add(Check(key, path, required));
        }

        return Task.FromResult<IReadOnlyList<CheckResult>>(results);
    }

    private static CheckResult Check(string key, string path, bool required)
    {
        if (!File.Exists(path))
        {
            return CheckResult.FailIf(required, key, $"{path} does not exist");
        }

        var isKey = key.Split(':')[^1].Contains("Key", StringComparison.OrdinalIgnoreCase);
        if (isKey && !OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                return CheckResult.FailIf(required, key, $"{path} has mode {Octal(mode)}: a key must be private (chmod 600 {path})");
            }
        }

        try
        {
            using var stream = File.OpenRead(path);
            return CheckResult.Ok(key, isKey && !OperatingSystem.IsWindows() ? $"{path} (mode {Octal(File.GetUnixFileMode(path))})" : path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return CheckResult.FailIf(required, key, $"{path} cannot be read: {ex.Message}");
        }
    }

    internal static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');
}
