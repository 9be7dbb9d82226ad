using System.CommandLine;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Cli;

/// <summary>Runs a command body and turns every failure into one stderr line and a documented exit code.</summary>
internal static class CommandAction
{
    public static void Set(
        Command command,
        CliHost host,
        Func<ParseResult, IReadOnlyDictionary<string, string?>> flags,
        bool withRunDir,
        Func<CommandContext, ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, ct) =>
        {
            CommandContext? context = null;
            try
            {
                context = CommandContext.Create(host, parse, flags(parse), withRunDir);
                return await body(context, parse, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QuantLabException)
            {
                return await FailAsync(host, parse, context, ex.Message, ExitCodes.For(ex)).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (ct.IsCancellationRequested)
            {
                // Cleanup that left something to say (a machine that may still bill) says it on the same one line.
                var detail = ex is Ml.Training.RunInterruptedException ? "; " + ex.Message.ReplaceLineEndings(" ") : string.Empty;
                return await FailAsync(host, parse, context, $"interrupted{detail}", ExitCodes.Interrupted).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Unexpected: the full exception goes to the log file (and to stderr only with --verbose).
                context?.Log.Debug(ex, "Unexpected failure");
                return await FailAsync(host, parse, context, $"unexpected {ex.GetType().Name}: {ex.Message}", ExitCodes.Failed).ConfigureAwait(false);
            }
            finally
            {
                if (context is not null)
                {
                    await context.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
    }

    /// <summary>
    /// The one error: line; with --json also the failure document on stdout, unless the command printed its own already
    /// (stdout then still holds exactly one document).
    /// </summary>
    private static async Task<int> FailAsync(CliHost host, ParseResult parse, CommandContext? context, string message, int code)
    {
        var line = message.ReplaceLineEndings(" ");
        await host.Err.WriteLineAsync($"error: {line}").ConfigureAwait(false);
        var json = parse.CommandResult.Command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--json");
        if (json is not null && parse.GetValue(json) && context?.JsonWritten != true)
        {
            await host.Out.WriteLineAsync(Json.Serialize(new CommandFailureOutput(parse.CommandResult.Command.Name, code, line), CliJson.Output)).ConfigureAwait(false);
        }

        return code;
    }

    /// <summary>Flag-to-configuration-key pairs, keeping only the flags that were given.</summary>
    public static Dictionary<string, string?> Flags(ParseResult parse, params (Option Option, string Key)[] pairs)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in pairs)
        {
            var optionResult = parse.GetResult(option);
            if (optionResult is null || optionResult.Implicit)
            {
                continue;
            }

            var values = optionResult.Tokens.Select(t => t.Value).ToList();
            if (values.Count == 1)
            {
                result[key] = values[0];
            }
            else
            {
                for (var i = 0; i < values.Count; i++)
                {
                    result[$"{key}:{i}"] = values[i];
                }
            }
        }

        return result;
    }
}
