using QuantLab.Ml.Common;
using Serilog.Context;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// One symbol's day, step after step: date and data check, dataset and job, champion, training, then evaluation,
/// store and promotion. Every event after the job id is known carries it. One symbol failing never stops the others.
/// </summary>
internal sealed class SymbolRun(RunScope scope)
{
    private readonly DataCheckStep data = new(scope);
    private readonly PrepareStep prepare = new(scope);
    private readonly TrainStep train = new(scope);
    private readonly DecideStep decide = new(scope);
    private readonly RecordStep record = new(scope);

    private PipelineContext Context => scope.Context;

    public async Task<SymbolRunResult> RunAsync(string symbol, RunDailyRequest request, CancellationToken ct)
    {
        using var symbolProperty = LogContext.PushProperty("Symbol", symbol);
        var started = Context.Time.GetTimestamp();
        DateOnly? date = null;
        string? jobId = null;
        try
        {
            date = await data.ResolveDateAsync(symbol, request, ct).ConfigureAwait(false);
            var result = await RunDayAsync(symbol, date.Value, request, id => jobId = id, ct).ConfigureAwait(false);
            return await record.WithRentalsAsync(result with { DurationSeconds = Context.Time.GetElapsedTime(started).TotalSeconds }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await record.WithRentalsAsync(scope.FailureOf(symbol, date, jobId, ex, started)).ConfigureAwait(false);
        }
    }

    /// <summary>Up to training: the day's job ready to train (its lock held), or the day's final result.</summary>
    public async Task<DayPreparation> PrepareAsync(string symbol, DateOnly date, RunDailyRequest request, TimeSpan lockFor, Action<string> onJobId, CancellationToken ct)
    {
        var report = await data.CheckAsync(symbol, date, request.WaitForData, ct).ConfigureAwait(false);
        return await prepare.PrepareAsync(symbol, date, report, request, lockFor, onJobId, ct).ConfigureAwait(false);
    }

    private async Task<SymbolRunResult> RunDayAsync(string symbol, DateOnly date, RunDailyRequest request, Action<string> onJobId, CancellationToken ct)
    {
        var prepared = await PrepareAsync(symbol, date, request, scope.JobLife, onJobId, ct).ConfigureAwait(false);
        if (prepared.Final is { } final)
        {
            return final;
        }

        var day = prepared.Day!;
        await using var releasesTheLock = day.ConfigureAwait(false);
        using var jobProperty = LogContext.PushProperty("JobId", day.Planned.Spec.JobId);
        var champion = await ChampionStep.PrepareAsync(Context, day.Planned, day.JobDir, ct).ConfigureAwait(false);
        var training = await train.RunAsync(symbol, RunScope.TrainingJobOf(day, champion), ct).ConfigureAwait(false);
        if (training.TeardownError is not { } leak)
        {
            return await decide.RunAsync(day, champion, training, request, ct).ConfigureAwait(false);
        }

        // The machine may still bill, but what it trained is good: evaluate, store and promote it as on a clean night,
        // then fail the run for the billing risk.
        try
        {
            return RunScope.WithTeardownFailure(await decide.RunAsync(day, champion, training, request, ct).ConfigureAwait(false), leak);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new QuantLabException($"{ex.Message}; and {leak}", ex);
        }
    }
}
