using System.CommandLine;
using System.CommandLine.Parsing;

namespace QuantLab.Ml.Cli;

/// <summary>
/// Parse errors in the house voice: one "error:" line each and where to find help, never the whole help text; a mistyped
/// command gets "did you mean …".
/// </summary>
internal static class ParseErrors
{
    public static async Task<int> ReportAsync(ParseResult parse, CliHost host)
    {
        var command = parse.CommandResult.Command;
        var path = CommandPath(parse.CommandResult);
        var typo = command.Subcommands.Count > 0 ? parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) : null;
        if (typo is not null)
        {
            var guess = Closest(typo, command.Subcommands.Select(c => c.Name));
            await host.Err.WriteLineAsync($"error: unknown command '{Printable(typo)}'{(guess is null ? string.Empty : $"; did you mean '{path} {guess}'?")}").ConfigureAwait(false);
        }
        else if (command.Subcommands.Count > 0 && parse.UnmatchedTokens.Count == 0 && command.Action is null)
        {
            await host.Err.WriteLineAsync($"error: '{path}' needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}").ConfigureAwait(false);
        }
        else
        {
            foreach (var message in parse.Errors.Select(e => Plain(e.Message)).Distinct(StringComparer.Ordinal))
            {
                await host.Err.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            }
        }

        await host.Err.WriteLineAsync($"see '{path} --help'").ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    /// <summary>The parser's "Cannot parse argument 'x' for option '--last' as expected type 'System.Int32'" in operator words.</summary>
    private static string Plain(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(?:System\.)?(\w+)'");
        if (!m.Success)
        {
            return message;
        }

        var expected = m.Groups[3].Value switch
        {
            "Int32" or "Int64" => "a whole number",
            "Double" or "Decimal" or "Single" => "a number",
            "Boolean" => "true or false",
            var other => "a " + other,
        };
        return $"{m.Groups[2].Value}: '{Printable(m.Groups[1].Value)}' is not {expected}";
    }

    /// <summary>"quantlab-ml data check" for the command the parser stopped in.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Parent is null ? "quantlab-ml" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The candidate within edit distance 3 (or sharing a prefix of 3) closest to what was typed; null when none is close.</summary>
    internal static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var t = typed.ToLowerInvariant();
        return candidates
            .Select(c => (Name: c, Distance: Ml.Common.EditDistance.Between(t, c)))
            .Where(c => c.Distance <= Math.Max(2, Math.Min(3, c.Name.Length / 3)) || (t.Length >= 3 && c.Name.StartsWith(t[..3], StringComparison.Ordinal)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    /// <summary>What was typed, cut short and without control characters, so a pasted line cannot forge output.</summary>
    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 40 ? clean[..40] + "…" : clean;
    }
}
