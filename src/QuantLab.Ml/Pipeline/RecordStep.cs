using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Pipeline;

/// <summary>The run's records: what each job rented and what it cost, the run summary and the audit trail in the store.</summary>
internal sealed class RecordStep(RunScope scope)
{
    private PipelineContext Context => scope.Context;

    /// <summary>
    /// Step 8: what the run leaves behind: each rental in the audit trail, the run summary in the store (for `runs`,
    /// `status` and the night's training estimates) and the audit trail beside it. Never fails the run.
    /// </summary>
    public async Task RecordAsync(RunDailyResult result, DateTimeOffset startedAt, CancellationToken ct)
    {
        foreach (var run in result.Runs.Where(r => r.Instances.Count > 0))
        {
            foreach (var instance in run.Instances)
            {
                scope.Audit.Note(new AuditEntry
                {
                    Step = "rental", Symbol = run.Symbol, JobId = run.JobId, StartedAt = startedAt, EndedAt = Context.Time.GetUtcNow(),
                    Outcome = instance.Status, InstanceId = instance.InstanceId, CostUsd = instance.CostUsd, Error = instance.Error,
                });
            }
        }

        await WriteSummaryAsync(result, startedAt, ct).ConfigureAwait(false);
        try
        {
            await scope.Audit.UploadAsync(Context.Registry.Store, scope.RunId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            Context.Log.Warning("Could not copy the audit trail to the store: {Reason}", ex.Message);
        }
    }

    private async Task WriteSummaryAsync(RunDailyResult result, DateTimeOffset startedAt, CancellationToken ct)
    {
        var summary = new RunSummary
        {
            RunId = result.RunId,
            StartedAt = startedAt,
            FinishedAt = Context.Time.GetUtcNow(),
            Provider = Context.Provider.Kind.Wire(),
            Host = Environment.MachineName,
            Runs = result.Runs.Select(r => new RunSummaryEntry
            {
                Symbol = r.Symbol,
                Date = r.Date,
                JobId = r.JobId,
                Status = Json.Name(r.Status, PipelineJson.Compact.RunStatus),
                Decision = r.Promotion?.Decision,
                DirectionalAccuracy = r.Candidate?.Metrics.DirectionalAccuracy,
                SharpePerBar = r.Candidate?.Metrics.SharpePerBar,
                DurationSeconds = r.DurationSeconds,
                Error = r.Error,
                CostUsd = r.CostUsd,
                Machine = r.Instances.FirstOrDefault(i => i.Status is "destroyed")?.Gpu,
                TrainRows = r.TrainRows,
                TrainerSeconds = r.TrainerSeconds,
            }).ToList(),
        };
        try
        {
            await new RunLog(Context.Registry.Store).WriteAsync(summary, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            // The run's own outcome stands; a lost summary only weakens `status`, so say it and go on.
            Context.Log.Warning("Could not write the run summary to the store: {Reason}", ex.Message);
        }
    }

    /// <summary>The machines of this run that may still bill, as one line; null when there are none (or they cannot be read).</summary>
    public async Task<string?> LeakedOnInterruptAsync()
    {
        var leaked = (await RunRecordsAsync().ConfigureAwait(false) ?? []).Where(r => r.Status == InstanceStatus.DestroyFailed && r.InstanceId is not null).ToList();
        return leaked.Count == 0 ? null : string.Join("; ", leaked.Select(r => Training.MachineLeakedException.Describe(r.InstanceId!.Value, r.Error)));
    }

    /// <summary>The instance records this run wrote (vast provider only); null, with a warning, when they cannot be read.</summary>
    public async Task<IReadOnlyList<InstanceRecord>?> RunRecordsAsync()
    {
        if (!Context.Provider.RentsMachines)
        {
            return null;
        }

        try
        {
            // Bounded: after SIGTERM this runs inside the termination window.
            using var bound = new CancellationTokenSource(scope.WriteBudget, Context.Time);
            var records = await new InstanceRecords(Context.Registry.Store).ListAsync(bound.Token).ConfigureAwait(false);
            return records.Where(r => r.RunId == scope.RunId).ToList();
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or OperationCanceledException)
        {
            Context.Log.Warning("Could not read the instance records of run {RunId}: {Reason}", scope.RunId, ex.Message);
            return null;
        }
    }

    /// <summary>The result with the machines rented for its job and what they cost it.</summary>
    public static SymbolRunResult WithRentals(SymbolRunResult result, IReadOnlyList<InstanceRecord> runRecords)
    {
        if (result.JobId is not { } jobId)
        {
            return result;
        }

        var mine = runRecords.Where(r => r.Jobs.Contains(jobId, StringComparer.Ordinal)).ToList();
        return result with
        {
            Instances = mine.Select(r => new RentedInstance
            {
                InstanceId = r.InstanceId,
                Gpu = r.Gpu,
                DollarsPerHour = r.DollarsPerHour,
                Status = r.Status.Wire(),
                CostUsd = r.CostUsd,
                Error = r.Error,
                BatchId = r.JobIds is null ? null : r.JobId,
                BatchJobs = r.JobIds?.Count,
            }).ToList(),

            // A batch's instance is shared by its jobs: each carries an equal share of its cost.
            CostUsd = mine.Count == 0 ? null : mine.Sum(r => (r.CostUsd ?? 0) / r.Jobs.Count),
        };
    }
}
