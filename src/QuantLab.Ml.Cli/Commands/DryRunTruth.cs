using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>Why a real run would not succeed, and the exit code it would end with.</summary>
internal sealed record WouldFail(string Reason, int ExitCode);

/// <summary>
/// Makes a dry run tell the truth: what would stop the real run (no Vast key, an unwritable store, data not ready, no
/// offer to rent) is said in the first lines, and the dry run exits with the code the real run would.
/// </summary>
internal static class DryRunTruth
{
    /// <summary>The Vast provider without a key: the real run stops at its start with exit 2, before any data work.</summary>
    public static string? MissingVastKey(CommandContext ctx) =>
        ctx.Options.Provider == ComputeProviderKind.Vast && !Composition.VastClient(ctx, requireKey: false).HasApiKey
            ? "no Vast API key (set VAST_API_KEY or Vast:ApiKeyFile): the vast provider cannot rent; nothing was checked or built"
            : null;

    /// <summary>What the dry run can know before the pipeline: the key and whether the store takes writes.</summary>
    public static async Task<List<WouldFail>> BeforeAsync(CommandContext ctx, CancellationToken ct)
    {
        var found = new List<WouldFail>();
        if (MissingVastKey(ctx) is { } key)
        {
            found.Add(new WouldFail(key, ExitCodes.Usage));
        }

        if (await StoreAccess.CannotWriteAsync(Composition.Store(ctx), ct).ConfigureAwait(false) is { } store)
        {
            found.Add(new WouldFail(store + " (a real run fails at its job lock, after the data check and the dataset)", ExitCodes.Failed));
        }

        return found;
    }

    /// <summary>What the planned result shows: symbols not ready or failed, and a renting provider without a machine to rent.</summary>
    public static IEnumerable<WouldFail> From(RunDailyResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var run in result.Runs)
        {
            var day = run.Date is { } d ? TradingDate.Iso(d) : "-";
            switch (run.Status)
            {
                case RunStatus.NotReady:
                    yield return new WouldFail(string.Create(inv, $"{run.Symbol} {day}: data not ready: {run.Error}"), ExitCodes.DataNotReady);
                    break;
                case RunStatus.Failed:
                    yield return new WouldFail(string.Create(inv, $"{run.Symbol} {day}: {run.Error}"), ExitCodes.Failed);
                    break;
            }
        }

        if (result.Night is { NoMachine: true } night)
        {
            yield return new WouldFail($"the night has nothing to rent: {night.PriceNote}", ExitCodes.Failed);
        }
    }

    /// <summary>The real run's exit code: bad usage first (it stops at the start), then a failure, then data not ready.</summary>
    public static int ExitCode(IReadOnlyCollection<WouldFail> found, int planned) =>
        found.Any(f => f.ExitCode == ExitCodes.Usage) ? ExitCodes.Usage
        : found.Any(f => f.ExitCode == ExitCodes.Failed) ? ExitCodes.Failed
        : found.Any(f => f.ExitCode == ExitCodes.DataNotReady) ? ExitCodes.DataNotReady
        : planned;

    /// <summary>The first lines of a dry run's summary.</summary>
    public static void Write(TextWriter output, IReadOnlyCollection<WouldFail> found, int exitCode)
    {
        if (found.Count == 0)
        {
            output.WriteLine("DRY RUN: a real run would go ahead as planned below");
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DRY RUN: a real run would NOT succeed (exit {exitCode}):"));
        foreach (var f in found)
        {
            output.WriteLine($"  ! {f.Reason}");
        }
    }
}
