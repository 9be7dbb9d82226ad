using System.Reflection;

namespace QuantLab.Ml.Operations;

/// <summary>The version and git commit a build was made from, read from the assembly's informational version ("1.2.3+commit").</summary>
public sealed record BuildInfo(string Version, string Commit)
{
    /// <summary>The build of the running program (the entry assembly, else this library).</summary>
    public static BuildInfo Current { get; } = Of(Assembly.GetEntryAssembly() ?? typeof(BuildInfo).Assembly);

    public static BuildInfo Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Parse(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString());
    }

    /// <summary>Splits "1.2.3+abcdef…" into version and a 12-character commit; "unknown" for what is missing.</summary>
    public static BuildInfo Parse(string? informationalVersion)
    {
        var text = (informationalVersion ?? string.Empty).Trim();
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? text : text[..plus];
        var commit = plus < 0 ? string.Empty : text[(plus + 1)..];

        // The SDK appends the full 40-character sha; 12 characters identify a commit and stay readable.
        if (commit.Length > 12 && commit.All(char.IsAsciiHexDigit))
        {
            commit = commit[..12];
        }

        return new BuildInfo(version.Length == 0 ? "unknown" : version, commit.Length == 0 ? "unknown" : commit);
    }

    public override string ToString() => $"{Version} (commit {Commit})";
}
