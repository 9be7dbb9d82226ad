using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// run-daily, top to bottom: reap leftovers before renting (<see cref="ReapStep"/>), then every symbol's day — data check
/// (<see cref="DataCheckStep"/>), dataset and job (<see cref="PrepareStep"/>), champion (<see cref="ChampionStep"/>), training
/// (<see cref="TrainStep"/> on the local provider; on one that batches, every run is a night, a single symbol a night of one:
/// <see cref="NightRun"/>), evaluation, store and promotion
/// (<see cref="DecideStep"/>) — and last the run's records (<see cref="RecordStep"/>). One symbol failing never stops the others.
/// </summary>
public sealed class DailyPipeline(PipelineContext context)
{
    private readonly RunScope scope = new(context);

    public async Task<RunDailyResult> RunAsync(RunDailyRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var startedAt = context.Time.GetUtcNow();
        var symbols = request.Symbols.Select(Market.ParseKey).Distinct().ToList();
        if (!request.DryRun && context.Provider.RentsMachines)
        {
            await new ReapStep(scope).RunAsync(ct).ConfigureAwait(false);
        }

        var record = new RecordStep(scope);
        List<SymbolRunResult> runs;
        NightReport? report = null;
        try
        {
            switch (context.Provider)
            {
                // Machines (ssh, vast): every run is a planned night, a single symbol a night of one.
                case IBatchComputeProvider machines:
                    (runs, report) = await new NightRun(scope, machines).RunAsync(symbols, request, ct).ConfigureAwait(false);
                    break;

                // Here (local): each symbol's day from its data to its decision, up to --parallel at once.
                case IJobComputeProvider here:
                    var symbolRun = new SymbolRun(scope, here);
                    var results = new SymbolRunResult[symbols.Count];
                    await Parallel.ForEachAsync(
                        Enumerable.Range(0, symbols.Count),
                        new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Parallel), CancellationToken = ct },
                        async (i, token) => results[i] = await symbolRun.RunAsync(symbols[i], request, token).ConfigureAwait(false)).ConfigureAwait(false);
                    runs = results.ToList();
                    break;
                default:
                    throw new InvalidOperationException($"provider {context.Provider.Kind.Wire()} trains neither one job nor a batch");
            }
        }
        catch (OperationCanceledException ex) when (ct.IsCancellationRequested && ex is not Training.RunInterruptedException && !request.DryRun)
        {
            // Interrupted: every rental has settled by now (its destroy started first); a machine that may still bill is
            // what the one error line must name, whichever cancellation reached us first.
            if (await record.LeakedOnInterruptAsync().ConfigureAwait(false) is { } leaked)
            {
                throw new Training.RunInterruptedException(leaked, ex);
            }

            throw;
        }

        var result = new RunDailyResult { RunId = scope.RunId, Runs = runs, Night = report };
        if (!request.DryRun)
        {
            await record.RecordAsync(result, startedAt, ct).ConfigureAwait(false);
        }

        return result;
    }
}
