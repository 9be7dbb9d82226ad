using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using Serilog.Context;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Step 2: from a ready day to a job that may train: the dataset and job spec (whose id names everything after), the
/// already-done check, the dry run's plan and the job's lock (held for as long as the job may live). Returns the day's
/// final result when it stops here (skipped, planned, held by another run).
/// </summary>
internal sealed class PrepareStep(RunScope scope)
{
    private readonly DataCheckStep data = new(scope);

    private PipelineContext Context => scope.Context;

    /// <summary>Checks the day's data (step 1, waiting for it with --wait-for-data), then prepares its job on it.</summary>
    public async Task<DayPreparation> PrepareAsync(string symbol, DateOnly date, RunDailyRequest request, TimeSpan lockFor, Action<string> onJobId, CancellationToken ct)
    {
        var report = await data.CheckAsync(symbol, date, request.WaitForData, ct).ConfigureAwait(false);
        return await PrepareAsync(symbol, date, report, request, lockFor, onJobId, ct).ConfigureAwait(false);
    }

    private async Task<DayPreparation> PrepareAsync(
        string symbol, DateOnly date, ReadinessReport report, RunDailyRequest request, TimeSpan lockFor, Action<string> onJobId, CancellationToken ct)
    {
        var dataNotes = report.Reasons;
        var jobDir = Path.Combine(Context.RunDir, $"{symbol}-{TradingDate.Compact(date)}");
        var planned = await scope.Audit.StepAsync("dataset", symbol, null, () => JobPlanner.PlanAsync(Context.Options, Context.Data, symbol, date, report.Partitions, jobDir, ct)).ConfigureAwait(false);
        var spec = planned.Spec;
        onJobId(spec.JobId);
        using var jobProperty = LogContext.PushProperty("JobId", spec.JobId);
        Context.Log.Information(
            "Dataset for {Symbol} {Date}: {TickRows} ticks, {Train}/{Valid}/{Test} train/valid/test rows, job {JobId}",
            symbol, TradingDate.Iso(date), planned.TickRows, spec.Counts.Train, spec.Counts.Valid, spec.Counts.Test, spec.JobId);

        var existing = await Context.Registry.GetCandidateAsync(symbol, date, ct).ConfigureAwait(false);
        if (existing is not null && existing.JobId == spec.JobId && !request.Force)
        {
            Context.Log.Information("Job {JobId} already finished; skipping (use --force to train again)", spec.JobId);
            return DayPreparation.Done(new SymbolRunResult
            {
                Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Skipped, DataNotes = dataNotes,
                Error = null,
            });
        }

        if (request.DryRun)
        {
            // What renting costs is the night plan's (one offer search per run, see NightRun), not one estimate per symbol.
            var datasetBytes = new FileInfo(planned.Dataset.NpzPath).Length;
            return DayPreparation.Done(new SymbolRunResult
            {
                Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Planned, DataNotes = dataNotes,
                Plan = new RunPlan
                {
                    Provider = Context.Provider.Kind.Wire(),
                    Job = spec,
                    DatasetBytes = datasetBytes,
                    DataPartitions = spec.Partitions.Select(p => p.Key).ToList(),
                },
            });
        }

        var locks = new JobLock(Context.Registry.Store, Context.Time);
        var attempt = await locks.TryAcquireAsync(symbol, date, scope.RunId, lockFor, ct).ConfigureAwait(false);
        if (!attempt.Acquired)
        {
            var holder = attempt.Holder!;
            var why = $"another run ({holder.RunId} on {holder.OwnerHost}, pid {holder.OwnerPid}) holds the lock for {symbol} {TradingDate.Iso(date)} until {holder.ExpiresAt:u}";
            Context.Log.Warning("Skipping {Symbol} {Date}: {Reason}", symbol, TradingDate.Iso(date), why);
            return DayPreparation.Done(new SymbolRunResult { Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Held, DataNotes = dataNotes, Error = why });
        }

        if (attempt.TakenOverBecause is { } staleBecause)
        {
            Context.Log.Warning("Took over the lock of run {RunId}: {Reason}", attempt.Holder?.RunId, staleBecause);
        }

        return DayPreparation.Ready(new PreparedDay
        {
            Planned = planned,
            JobDir = jobDir,
            DataNotes = dataNotes,
            Locks = locks,
            Lock = attempt,
            Release = scope.ReleaseLockAsync,
        });
    }
}
