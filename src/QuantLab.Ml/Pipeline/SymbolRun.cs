using QuantLab.Ml.Training;
using Serilog.Context;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// One symbol's day on the local provider, step after step: date and data check, dataset and job, champion, training
/// here, then evaluation, store and promotion. Every event after the job id is known carries it. One symbol failing
/// never stops the others. (A provider with machines runs every day as part of a night: <see cref="NightRun"/>.)
/// </summary>
internal sealed class SymbolRun(RunScope scope, IJobComputeProvider provider)
{
    private readonly DataCheckStep data = new(scope);
    private readonly PrepareStep prepare = new(scope);
    private readonly TrainStep train = new(scope, provider);
    private readonly DecideStep decide = new(scope);

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
            return result with { DurationSeconds = Context.Time.GetElapsedTime(started).TotalSeconds };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return scope.FailureOf(symbol, date, jobId, ex, started);
        }
    }

    private async Task<SymbolRunResult> RunDayAsync(string symbol, DateOnly date, RunDailyRequest request, Action<string> onJobId, CancellationToken ct)
    {
        var prepared = await prepare.PrepareAsync(symbol, date, request, scope.JobLife, onJobId, ct).ConfigureAwait(false);
        if (prepared.Final is { } final)
        {
            return final;
        }

        var day = prepared.Day!;
        await using var releasesTheLock = day.ConfigureAwait(false);
        using var jobProperty = LogContext.PushProperty("JobId", day.Planned.Spec.JobId);
        var champion = await ChampionStep.PrepareAsync(Context, day.Planned, day.JobDir, ct).ConfigureAwait(false);
        var training = await train.RunAsync(symbol, RunScope.TrainingJobOf(day, champion), ct).ConfigureAwait(false);
        return await decide.RunAsync(day, champion, training, request, ct).ConfigureAwait(false);
    }
}
