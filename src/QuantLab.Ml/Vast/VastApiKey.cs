using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>Finds the Vast API key: VAST_API_KEY, else the configured key file; the key only ever lives in a <see cref="Secret"/>.</summary>
public static class VastApiKey
{
    public const string EnvironmentVariable = "VAST_API_KEY";

    /// <summary>The key from VAST_API_KEY or <see cref="VastOptions.ApiKeyFile"/>, or null when neither is set.</summary>
    public static Secret? Resolve(Func<string, string?> environment, VastOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var fromEnv = environment(EnvironmentVariable)?.Trim();
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Checked(fromEnv, EnvironmentVariable);
        }

        if (string.IsNullOrWhiteSpace(options.ApiKeyFile))
        {
            return null;
        }

        var path = ExpandHome(options.ApiKeyFile.Trim(), environment);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the Vast API key file '{path}' (Vast:ApiKeyFile): {ex.GetType().Name}");
        }

        var key = text.Split('\n', 2)[0].Trim();
        if (key.Length == 0)
        {
            throw new UsageException($"the Vast API key file '{path}' is empty");
        }

        return Checked(key, $"the key file '{path}'");
    }

    /// <summary>Like <see cref="Resolve"/> but throws a clear <see cref="UsageException"/> when there is no key.</summary>
    public static Secret Require(Func<string, string?> environment, VastOptions options) =>
        Resolve(environment, options)
        ?? throw new UsageException($"no Vast API key: set {EnvironmentVariable} or Vast:ApiKeyFile");

    // A key with spaces or control characters would make HttpClient throw a FormatException that quotes the header value.
    private static Secret Checked(string key, string source)
    {
        if (!key.All(c => c > ' ' && c < 127))
        {
            throw new UsageException($"the Vast API key from {source} contains spaces or non-ASCII characters");
        }

        return new Secret(key);
    }

    private static string ExpandHome(string path, Func<string, string?> environment)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, path.Length > 2 ? path[2..] : string.Empty);
        }

        return path;
    }
}
