using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Reporting;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using Serilog.Context;

namespace QuantLab.Ml.Pipeline;

/// <summary>The nightly run: data check → dataset → job spec → train → evaluate → store candidate → promote, per symbol.</summary>
public sealed partial class DailyPipeline(PipelineContext context)
{
    private const int LatestLookbackDays = 14;
    private readonly AuditTrail audit = new(context.RunDir, context.Time);

    /// <summary>Runs every requested symbol in turn; one symbol failing never stops the others.</summary>
    public async Task<RunDailyResult> RunAsync(RunDailyRequest request, CancellationToken ct)
    {
        var startedAt = context.Time.GetUtcNow();
        var symbols = request.Symbols.Select(Market.ParseKey).Distinct().ToList();
        if (!request.DryRun && context.BeforeRenting is { } beforeRenting)
        {
            await beforeRenting(ct).ConfigureAwait(false);
        }

        List<SymbolRunResult> runs;
        NightReport? night = null;
        try
        {
            if (RunsAsNight(symbols.Count, request))
            {
                (runs, night) = await RunNightAsync(symbols, request, ct).ConfigureAwait(false);
            }
            else
            {
                var results = new SymbolRunResult[symbols.Count];
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, symbols.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Parallel), CancellationToken = ct },
                    async (i, token) => results[i] = await RunSymbolAsync(symbols[i], request, token).ConfigureAwait(false)).ConfigureAwait(false);
                runs = results.ToList();
            }
        }
        catch (OperationCanceledException ex) when (ct.IsCancellationRequested && ex is not Training.RunInterruptedException && !request.DryRun)
        {
            // Interrupted: every rental has settled by now (its destroy started first); a machine that may still bill is
            // what the one error line must name, whichever cancellation reached us first.
            if (await LeakedOnInterruptAsync().ConfigureAwait(false) is { } leaked)
            {
                throw new Training.RunInterruptedException(leaked, ex);
            }

            throw;
        }

        var result = new RunDailyResult { RunId = RunId, Runs = runs, Night = night };
        if (!request.DryRun)
        {
            foreach (var run in runs.Where(r => r.Instances.Count > 0))
            {
                foreach (var instance in run.Instances)
                {
                    audit.Note(new AuditEntry
                    {
                        Step = "rental", Symbol = run.Symbol, JobId = run.JobId, StartedAt = startedAt, EndedAt = context.Time.GetUtcNow(),
                        Outcome = instance.Status, InstanceId = instance.InstanceId, CostUsd = instance.CostUsd, Error = instance.Error,
                    });
                }
            }

            await WriteSummaryAsync(result, startedAt, ct).ConfigureAwait(false);
            try
            {
                await audit.UploadAsync(context.Registry.Store, RunId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (QuantLabException ex)
            {
                context.Log.Warning("Could not copy the audit trail to the store: {Reason}", ex.Message);
            }
        }

        return result;
    }

    private async Task WriteSummaryAsync(RunDailyResult result, DateTimeOffset startedAt, CancellationToken ct)
    {
        var summary = new RunSummary
        {
            RunId = result.RunId,
            StartedAt = startedAt,
            FinishedAt = context.Time.GetUtcNow(),
            Provider = context.Provider.Name,
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
            await new RunLog(context.Registry.Store).WriteAsync(summary, ct).ConfigureAwait(false);
        }
        catch (QuantLabException ex)
        {
            // The run's own outcome stands; a lost summary only weakens `status`, so say it and go on.
            context.Log.Warning("Could not write the run summary to the store: {Reason}", ex.Message);
        }
    }

    private async Task<SymbolRunResult> RunSymbolAsync(string symbol, RunDailyRequest request, CancellationToken ct)
    {
        using var symbolProperty = LogContext.PushProperty("Symbol", symbol);
        var started = context.Time.GetTimestamp();
        DateOnly? date = null;
        string? jobId = null;
        try
        {
            date = await ResolveDateAsync(symbol, request, ct).ConfigureAwait(false);
            var result = await RunDayAsync(symbol, date.Value, request, id => jobId = id, ct).ConfigureAwait(false);
            return await WithRentalsAsync(result with { DurationSeconds = context.Time.GetElapsedTime(started).TotalSeconds }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await FailureAsync(symbol, date, jobId, ex, started).ConfigureAwait(false);
        }
    }

    /// <summary>One symbol's failure as its result, with what it rented.</summary>
    private Task<SymbolRunResult> FailureAsync(string symbol, DateOnly? date, string? jobId, Exception ex, long started) =>
        WithRentalsAsync(FailureOf(symbol, date, jobId, ex, started));

    /// <summary>One symbol's failure as its result: not ready (data), failed (expected, one line) or failed unexpectedly.</summary>
    private SymbolRunResult FailureOf(string symbol, DateOnly? date, string? jobId, Exception ex, long started)
    {
        switch (ex)
        {
            case DataNotReadyException:
                context.Log.Warning("Data not ready for {Symbol}: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.NotReady, ex.Message, started);
            case QuantLabException:
                context.Log.Error("Run for {Symbol} failed: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.Failed, ex.Message, started);
            default:
                context.Log.Debug(ex, "Unexpected failure of {Symbol}", symbol);
                context.Log.Error("Run for {Symbol} failed unexpectedly: {Reason}", symbol, ex.Message);
                return Outcome(symbol, date, jobId, RunStatus.Failed, $"unexpected {ex.GetType().Name}: {ex.Message}", started);
        }
    }

    /// <summary>Adds what this run rented for the job (from the instance records) and what it cost.</summary>
    private async Task<SymbolRunResult> WithRentalsAsync(SymbolRunResult result) =>
        result.JobId is not null && await RunRecordsAsync().ConfigureAwait(false) is { } records ? WithRentals(result, records) : result;

    /// <summary>The machines of this run that may still bill, as one line; null when there are none (or they cannot be read).</summary>
    private async Task<string?> LeakedOnInterruptAsync()
    {
        var leaked = (await RunRecordsAsync().ConfigureAwait(false) ?? []).Where(r => r.Status == InstanceStatus.DestroyFailed && r.InstanceId is not null).ToList();
        return leaked.Count == 0 ? null : string.Join("; ", leaked.Select(r => Training.MachineLeakedException.Describe(r.InstanceId!.Value, r.Error)));
    }

    /// <summary>The instance records this run wrote (vast provider only); null, with a warning, when they cannot be read.</summary>
    private async Task<IReadOnlyList<InstanceRecord>?> RunRecordsAsync()
    {
        if (context.Provider.Name != "vast")
        {
            return null;
        }

        try
        {
            // Bounded: after SIGTERM this runs inside the termination window.
            using var bound = new CancellationTokenSource(context.Budget?.StoreWriteBudget ?? TimeSpan.FromSeconds(15), context.Time);
            var records = await new InstanceRecords(context.Registry.Store).ListAsync(bound.Token).ConfigureAwait(false);
            return records.Where(r => r.RunId == RunId).ToList();
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or OperationCanceledException)
        {
            context.Log.Warning("Could not read the instance records of run {RunId}: {Reason}", RunId, ex.Message);
            return null;
        }
    }

    /// <summary>The result with the machines rented for its job and what they cost it.</summary>
    private static SymbolRunResult WithRentals(SymbolRunResult result, IReadOnlyList<InstanceRecord> runRecords)
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

    private SymbolRunResult Outcome(string symbol, DateOnly? date, string? jobId, RunStatus status, string error, long started) => new()
    {
        Symbol = symbol,
        Date = date,
        JobId = jobId,
        Status = status,
        Error = error,
        DurationSeconds = context.Time.GetElapsedTime(started).TotalSeconds,
    };

    private async Task<SymbolRunResult> RunDayAsync(string symbol, DateOnly date, RunDailyRequest request, Action<string> onJobId, CancellationToken ct)
    {
        var prepared = await PrepareDayAsync(symbol, date, request, JobLife, onJobId, ct).ConfigureAwait(false);
        if (prepared.Final is { } final)
        {
            return final;
        }

        var day = prepared.Day!;
        try
        {
            var champion = await ChampionStep.PrepareAsync(context, day.Planned, day.JobDir, ct).ConfigureAwait(false);
            var job = TrainingJobOf(day, champion);
            context.Log.Information("Training {JobId} on provider {Provider}", job.Spec.JobId, context.Provider.Name);
            var training = await audit.StepAsync("train", symbol, job.Spec.JobId, () => context.Provider.RunAsync(job, ct)).ConfigureAwait(false);
            if (training.TeardownError is not { } leak)
            {
                return await EvaluateAndPromoteAsync(day, champion, training, request, ct).ConfigureAwait(false);
            }

            // The machine may still bill, but what it trained is good: evaluate, store and promote it as on a clean night,
            // then fail the run for the billing risk.
            try
            {
                return WithTeardownFailure(await EvaluateAndPromoteAsync(day, champion, training, request, ct).ConfigureAwait(false), leak);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new QuantLabException($"{ex.Message}; and {leak}", ex);
            }
        }
        finally
        {
            await ReleaseLockAsync(day).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the job's lock on a bound of its own (the run's token may be cancelled); a failure is logged, the lock then expires.</summary>
    private async Task ReleaseLockAsync(PreparedDay day)
    {
        using var bound = new CancellationTokenSource(context.Budget?.StoreWriteBudget ?? TimeSpan.FromSeconds(15), context.Time);
        try
        {
            await day.Locks.ReleaseAsync(day.Lock, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            context.Log.Error("Could not release the lock of {Symbol} {Date}; it expires at {ExpiresAt:u}: {Reason}", day.Planned.Spec.Symbol, TradingDate.Iso(day.Planned.Spec.Date), day.Lock.Lock?.ExpiresAt, ex.Message);
        }
    }

    /// <summary>A run whose machine could not be destroyed: failed for the billing risk, saying what became of its model.</summary>
    private static SymbolRunResult WithTeardownFailure(SymbolRunResult result, string leak)
    {
        var model = result.Status != RunStatus.Succeeded ? null
            : result.Promotion?.Decision == "promoted" ? "the trained model was stored and promoted"
            : "the trained model was stored as the candidate";
        var error = string.Join("; ", new[] { result.Error, leak, model }.Where(s => !string.IsNullOrEmpty(s)));
        return result with { Status = RunStatus.Failed, Error = error };
    }

    /// <summary>
    /// Everything before training: data check, dataset and job spec, the already-done check, the dry-run plan and the
    /// job lock (held for <paramref name="lockFor"/>). Returns the final result when the day stops here.
    /// </summary>
    private async Task<DayPreparation> PrepareDayAsync(
        string symbol, DateOnly date, RunDailyRequest request, TimeSpan lockFor, Action<string> onJobId, CancellationToken ct)
    {
        var options = context.Options;
        var report = await audit.StepAsync("data_check", symbol, null, () => CheckDataAsync(symbol, date, request.WaitForData, ct)).ConfigureAwait(false);
        var dataNotes = report.Reasons;
        if (report.Status == ReadinessStatus.NotReady)
        {
            throw new DataNotReadyException($"{symbol} {TradingDate.Iso(date)}: {string.Join("; ", report.Reasons)}");
        }

        if (report.Status != ReadinessStatus.Ready)
        {
            throw new QuantLabException($"{symbol} {TradingDate.Iso(date)} data check failed: {string.Join("; ", report.Reasons)}");
        }

        var jobDir = Path.Combine(context.RunDir, $"{symbol}-{TradingDate.Compact(date)}");
        var planned = await audit.StepAsync("dataset", symbol, null, () => JobPlanner.PlanAsync(options, context.Data, symbol, date, report.Partitions, jobDir, ct)).ConfigureAwait(false);
        var spec = planned.Spec;
        onJobId(spec.JobId);
        using var jobProperty = LogContext.PushProperty("JobId", spec.JobId);
        context.Log.Information(
            "Dataset for {Symbol} {Date}: {TickRows} ticks, {Train}/{Valid}/{Test} train/valid/test rows, job {JobId}",
            symbol, TradingDate.Iso(date), planned.TickRows, spec.Counts.Train, spec.Counts.Valid, spec.Counts.Test, spec.JobId);

        var existing = await context.Registry.GetCandidateAsync(symbol, date, ct).ConfigureAwait(false);
        if (existing is not null && existing.JobId == spec.JobId && !request.Force)
        {
            context.Log.Information("Job {JobId} already finished; skipping (use --force to train again)", spec.JobId);
            return DayPreparation.Done(new SymbolRunResult
            {
                Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Skipped, DataNotes = dataNotes,
                Error = null,
            });
        }

        if (request.DryRun)
        {
            var datasetBytes = new FileInfo(planned.Dataset.NpzPath).Length;

            // A night of many symbols is priced once for the whole plan, not one offer search per symbol.
            var rental = context.Provider is IRentalPlanner planner && !request.PlanAsNight
                ? await planner.EstimateAsync(spec, datasetBytes, ct).ConfigureAwait(false)
                : null;
            return DayPreparation.Done(new SymbolRunResult
            {
                Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Planned, DataNotes = dataNotes,
                Plan = new RunPlan
                {
                    Provider = context.Provider.Name,
                    Job = spec,
                    DatasetBytes = datasetBytes,
                    DataPartitions = spec.Partitions.Select(p => p.Key).ToList(),
                    Rental = rental,
                },
            });
        }

        var locks = new JobLock(context.Registry.Store, context.Time);
        var attempt = await locks.TryAcquireAsync(symbol, date, RunId, lockFor, ct).ConfigureAwait(false);
        if (!attempt.Acquired)
        {
            var holder = attempt.Holder!;
            var why = $"another run ({holder.RunId} on {holder.OwnerHost}, pid {holder.OwnerPid}) holds the lock for {symbol} {TradingDate.Iso(date)} until {holder.ExpiresAt:u}";
            context.Log.Warning("Skipping {Symbol} {Date}: {Reason}", symbol, TradingDate.Iso(date), why);
            return DayPreparation.Done(new SymbolRunResult { Symbol = symbol, Date = date, JobId = spec.JobId, Status = RunStatus.Held, DataNotes = dataNotes, Error = why });
        }

        if (attempt.TakenOverBecause is { } staleBecause)
        {
            context.Log.Warning("Took over the lock of run {RunId}: {Reason}", attempt.Holder?.RunId, staleBecause);
        }

        return DayPreparation.Ready(new PreparedDay
        {
            Planned = planned,
            JobDir = jobDir,
            DataNotes = dataNotes,
            Locks = locks,
            Lock = attempt,
        });
    }

    private static TrainingJob TrainingJobOf(PreparedDay day, ChampionSetup? champion) => new()
    {
        Spec = day.Planned.Spec,
        JobFile = day.Planned.JobFile,
        DatasetFile = day.Planned.Dataset.NpzPath,
        ProductionModelFile = champion?.ModelFile,
        ProductionDataFile = champion?.DataFile,
        OutputDir = Path.Combine(day.JobDir, "out"),
    };

    private string RunId => Path.GetFileName(context.RunDir);

    /// <summary>The longest one job may legitimately live, all stage limits and margins summed (its lock lasts this long).</summary>
    private TimeSpan JobLife => context.Budget?.LongestJobLife ?? context.Options.Runtime.Hard;

    /// <summary>After training: evaluation, the candidate in the store and the promotion decision, for one day.</summary>
    private async Task<SymbolRunResult> EvaluateAndPromoteAsync(
        PreparedDay day, ChampionSetup? champion, TrainingResult training, RunDailyRequest request, CancellationToken ct)
    {
        var planned = day.Planned;
        var jobDir = day.JobDir;
        var dataNotes = day.DataNotes;
        var spec = planned.Spec;
        var symbol = spec.Symbol;
        var date = spec.Date;
        var outputDir = training.OutputDir;
        context.Log.Information("Trainer finished in {Seconds:F1} s on {Machine}", training.WallTime.TotalSeconds, training.Machine);

        var prior = await PriorTrialsAsync(symbol, date, ct).ConfigureAwait(false);
        var evaluation = EvaluateStep.Evaluate(planned, outputDir, champion, prior, context.Evaluation, context.Policy);
        await RecordTrialAsync(spec, evaluation.Candidate, ct).ConfigureAwait(false);
        var files = await WriteEvaluationFilesAsync(planned, outputDir, evaluation, champion, ct).ConfigureAwait(false);
        CandidateManifest candidate;
        try
        {
            candidate = await audit.StepAsync("store_candidate", symbol, spec.JobId, () => context.Registry.PutCandidateAsync(symbol, date, spec.JobId, files, ct)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException or IOException or UnauthorizedAccessException)
        {
            // Any rented machine is already gone; what it produced must not be: say where it is for a retry.
            throw new QuantLabException($"storing the candidate failed: {ex.Message}; the trained artifacts are kept in {outputDir}", ex);
        }

        context.Log.Information(
            "Candidate stored at {Location}: hit rate {DirectionalAccuracy:F4} on {NDirectional} calls, Sharpe {SharpePerBar:G3} ± {SharpePerBarSe:G3} per bar, net return {TotalReturn:P2}",
            context.Registry.Store.Root + "/" + ModelRegistry.CandidatePrefix(symbol, date),
            evaluation.Candidate.DirectionalAccuracy, evaluation.Candidate.NDirectional, evaluation.Candidate.SharpePerBar, evaluation.Candidate.SharpePerBarSe, evaluation.Candidate.TotalReturn);

        var promotion = await audit.StepAsync("promote", symbol, spec.JobId, () => PromoteAsync(candidate, evaluation.Decision, champion?.ETag, request.SkipPromotion, jobDir, ct)).ConfigureAwait(false);
        promotion = promotion with { Trials = evaluation.Trials.Count, DeflatedSharpe = evaluation.Decision.Evidence?.DeflatedSharpe };
        return new SymbolRunResult
        {
            Symbol = symbol,
            Date = date,
            JobId = spec.JobId,
            Status = RunStatus.Succeeded,
            DataNotes = dataNotes,
            TrainRows = spec.Counts.Train,
            TrainerSeconds = training.TrainerSeconds ?? training.WallTime.TotalSeconds,
            Candidate = new CandidateResult
            {
                Metrics = evaluation.Candidate,
                Baseline = evaluation.Baseline,
                ImbalanceBaseline = evaluation.ImbalanceBaseline,
                ProductionSameWindow = evaluation.ProductionSameWindow,
                StoredAt = context.Registry.Store.Root + "/" + ModelRegistry.CandidatePrefix(symbol, date),
                TestWindow = evaluation.Candidate.TestWindow,
                TestWindowNote = TestWindow.ShortNote(evaluation.Candidate.TestWindow),
            },
            Promotion = promotion,
        };
    }

    private async Task<PromotionResult> PromoteAsync(
        CandidateManifest candidate, PromotionDecision decision, string? productionETag, bool skip, string jobDir, CancellationToken ct)
    {
        if (skip)
        {
            context.Log.Information("Promotion skipped (--skip-promotion); the policy said {Decision}", decision.Decision);
            return new PromotionResult { Decision = "skipped", Reasons = ["--skip-promotion", .. decision.Reasons] };
        }

        if (decision.Decision != PromotionOutcome.Promoted)
        {
            context.Log.Information("Not promoted: {Reasons}", string.Join("; ", decision.Reasons));
            return new PromotionResult { Decision = "rejected", Reasons = decision.Reasons };
        }

        var manifest = await context.Registry.PromoteAsync(
            candidate, productionETag, forced: false, string.Join("; ", decision.Reasons), context.Operator, Path.Combine(jobDir, "promote"), ct)
            .ConfigureAwait(false);
        context.Log.Information("Promoted {Symbol} {Version} to production (change {Sequence})", manifest.Symbol, TradingDate.Iso(manifest.Version), manifest.Sequence);
        foreach (var warning in manifest.Warnings)
        {
            context.Log.Warning("Promotion of {Symbol}: {Warning}", manifest.Symbol, warning);
        }

        return new PromotionResult { Decision = "promoted", Reasons = decision.Reasons };
    }

    /// <summary>
    /// The per-bar Sharpe ratios of the symbol's earlier trials from the ledger. A store from before the ledger counts its
    /// completed candidates on days the ledger does not know as trials of unknown Sharpe (they raise N, not the variance).
    /// </summary>
    private async Task<IReadOnlyList<double>> PriorTrialsAsync(string symbol, DateOnly date, CancellationToken ct)
    {
        var ledger = await new TrialLedger(context.Registry.Store).ReadAsync(symbol, ct).ConfigureAwait(false);
        var known = ledger.Select(t => t.Date).ToHashSet();
        var stored = await context.Registry.ListCandidatesAsync(symbol, ct).ConfigureAwait(false);
        var unrecorded = stored.Count(c => c.Date != date && !known.Contains(c.Date));
        return [.. ledger.Select(t => t.SharpePerBar), .. Enumerable.Repeat(double.NaN, unrecorded)];
    }

    /// <summary>Appends this evaluation to the symbol's trial ledger before anything is promoted, so no re-run goes uncounted.</summary>
    private async Task RecordTrialAsync(JobSpec spec, ModelMetrics candidate, CancellationToken ct)
    {
        var entry = new TrialEntry
        {
            JobId = spec.JobId,
            Date = spec.Date,
            TestFrom = candidate.TestWindow?.From,
            TestTo = candidate.TestWindow?.To,
            SharpePerBar = candidate.SharpePerBar,
            ConfigHash = spec.ConfigHash,
            RecordedAt = context.Time.GetUtcNow(),
        };
        await new TrialLedger(context.Registry.Store).AppendAsync(spec.Symbol, entry, ct).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, string>> WriteEvaluationFilesAsync(
        PlannedJob planned, string outputDir, CandidateEvaluation evaluation, ChampionSetup? champion, CancellationToken ct)
    {
        var outputs = planned.Spec.Outputs;
        var production = champion?.Manifest;
        var metricsFile = Path.Combine(outputDir, ModelRegistry.MetricsFile);
        await Json.WriteFileAsync(metricsFile, evaluation.Candidate, PipelineJson.Indented.ModelMetrics, ct).ConfigureAwait(false);
        var evaluationFile = Path.Combine(outputDir, "evaluation.json");
        await Json.WriteFileAsync(evaluationFile, new EvaluationRecord
        {
            Candidate = evaluation.Candidate,
            Baseline = evaluation.Baseline,
            ImbalanceBaseline = evaluation.ImbalanceBaseline,
            ProductionSameWindow = evaluation.ProductionSameWindow,
            ProductionStored = evaluation.ProductionStored,
            Paired = evaluation.Paired,
            Trials = evaluation.Trials,
            ProductionJobId = production?.JobId,
            ProductionVersion = production?.Version,
            Evaluation = context.Evaluation,
            Champion = evaluation.Champion,
        }, PipelineJson.Indented.EvaluationRecord, ct).ConfigureAwait(false);
        var provenance = await DecisionFiles.ProvenanceAsync(planned, outputDir, champion, evaluation.ProductionSameWindow is not null, ct).ConfigureAwait(false);
        var promotionFile = Path.Combine(outputDir, "promotion.json");
        await Json.WriteFileAsync(promotionFile, new DecisionRecord
        {
            CandidateJobId = planned.Spec.JobId,
            ProductionJobId = production?.JobId,
            DecidedAt = context.Time.GetUtcNow(),
            Forced = false,
            Decision = evaluation.Decision,
            Policy = context.Policy,
            Champion = evaluation.Champion,
            Promotion = PromotionSummary.Of(evaluation.Decision, evaluation.Candidate),
            Candidate = evaluation.Candidate,
            Baseline = evaluation.Baseline,
            ImbalanceBaseline = evaluation.ImbalanceBaseline,
            Provenance = provenance,
        }, PipelineJson.Indented.DecisionRecord, ct).ConfigureAwait(false);

        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelRegistry.ModelFile] = Required(outputDir, outputs.Model),
            [ModelRegistry.MetricsFile] = metricsFile,
            ["job.json"] = planned.JobFile,
            ["train_metrics.json"] = Required(outputDir, outputs.TrainMetrics),
            ["runtime.json"] = Required(outputDir, outputs.Runtime),
            ["train.log"] = Required(outputDir, outputs.Log),
            ["predictions.npy"] = Required(outputDir, outputs.Predictions),
            ["evaluation.json"] = evaluationFile,
            ["promotion.json"] = promotionFile,
        };

        // After the decision and before the upload, so the report travels with the candidate; it never fails the run.
        var report = () => DecisionFiles.ReportData(planned, outputDir, evaluation, provenance, context.Time.GetUtcNow());
        foreach (var (name, path) in await CandidateReport.TryWriteAsync(report, Path.Combine(outputDir, "report"), context.Log, ct).ConfigureAwait(false))
        {
            files[name] = path;
        }

        return files;
    }

    private static string Required(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        return File.Exists(path) ? path : throw new TrainerFailedException($"trainer output {name} is missing");
    }

    private async Task<ReadinessReport> CheckDataAsync(string symbol, DateOnly date, TimeSpan? wait, CancellationToken ct)
    {
        var options = context.Options;
        Task<ReadinessReport> Check(CancellationToken token) => CheckWindowAsync(symbol, date, token);

        if (wait is not { } maxWait || maxWait <= TimeSpan.Zero)
        {
            return await Check(ct).ConfigureAwait(false);
        }

        var waiter = new ReadinessWaiter(context.Time, context.Log, new ReadinessWaitOptions
        {
            InitialDelay = options.DataWait.InitialDelay,
            Factor = options.DataWait.Factor,
            MaxDelay = options.DataWait.MaxDelay,
        });
        var outcome = await waiter.WaitAsync(Check, maxWait, ct).ConfigureAwait(false);
        if (outcome.Report.Status == ReadinessStatus.NotReady)
        {
            throw new DataNotReadyException(
                $"{symbol} {TradingDate.Iso(date)} still not ready after waiting {Durations.Format(outcome.Waited)}: {string.Join("; ", outcome.Report.Reasons)}");
        }

        return outcome.Report;
    }

    /// <summary>The readiness of the window ending on <paramref name="date"/>, read from the market's own exchange.</summary>
    private Task<ReadinessReport> CheckWindowAsync(string symbol, DateOnly date, CancellationToken ct)
    {
        var options = context.Options;
        var market = Market.Parse(symbol, options.Exchange);
        return ReadinessChecker.CheckWindowAsync(context.Data, market.Exchange, options.Stream, market.Symbol, date, options.WindowDays, options.DataCheck, ct);
    }

    private async Task<DateOnly> ResolveDateAsync(string symbol, RunDailyRequest request, CancellationToken ct)
    {
        if (request.Date is { } explicitDate)
        {
            return explicitDate;
        }

        var yesterday = TradingDate.YesterdayUtc(context.Time);
        if (!request.Latest)
        {
            return yesterday;
        }

        for (var d = yesterday; d > yesterday.AddDays(-LatestLookbackDays); d = d.AddDays(-1))
        {
            if (await context.Registry.GetCandidateAsync(symbol, d, ct).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var report = await CheckWindowAsync(symbol, d, ct).ConfigureAwait(false);
            if (report.Status == ReadinessStatus.Ready)
            {
                context.Log.Information("--date latest resolved to {Date}", TradingDate.Iso(d));
                return d;
            }
        }

        throw new DataNotReadyException($"no ready day without a finished job for {symbol} in the {LatestLookbackDays} days up to {TradingDate.Iso(yesterday)}");
    }
}
