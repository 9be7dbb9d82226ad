using System.Text;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>Builds remote commands for a POSIX shell: constant scripts, with every variable value passed as a single-quoted argument.</summary>
public static class ShellQuote
{
    /// <summary>Quotes <paramref name="value"/> so a POSIX shell reads it back as exactly one word with the same bytes.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            // A NUL cannot travel in an argv string; refusing beats silently truncating a path.
            throw new UsageException($"value '{SymbolName.Printable(value)}' contains a NUL character and cannot be passed to a remote command");
        }

        // Inside single quotes nothing is special except the quote itself, which is closed, escaped and reopened.
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// A command that runs the constant <paramref name="script"/> with <c>sh -c</c> and hands it <paramref name="args"/> as $1, $2, …;
    /// the script text is fixed in this assembly and the values never become shell syntax.
    /// </summary>
    public static string Script(string script, params IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = new StringBuilder("sh -c ").Append(Quote(script)).Append(" quantlab");
        foreach (var arg in args)
        {
            command.Append(' ').Append(Quote(arg));
        }

        return command.ToString();
    }
}
