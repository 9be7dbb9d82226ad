using System.Collections.Concurrent;
using QuantLab.Ml.Common;
using QuantLab.Ml.Pipeline.Batching;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using Serilog.Context;

namespace QuantLab.Ml.Pipeline;

/// <summary>
/// Every run on a provider that can batch (ssh, vast) is a night, a single symbol a night of one: every symbol prepared
/// (data, dataset, lock, champion), the jobs packed onto the cheapest number of machines that finishes before the
/// deadline, each machine training its jobs one after another, each symbol evaluated and promoted on its own as soon as
/// its outputs are back, and the unfinished jobs of a lost machine run once more on a new one.
/// </summary>
internal sealed class NightRun(RunScope scope, IBatchComputeProvider provider)
{
    private readonly DataCheckStep data = new(scope);
    private readonly PrepareStep prepare = new(scope);
    private readonly DecideStep decide = new(scope);
    private readonly RecordStep record = new(scope);

    private PipelineContext Context => scope.Context;

    public async Task<(List<SymbolRunResult> Runs, NightReport? Night)> RunAsync(IReadOnlyList<string> symbols, RunDailyRequest request, CancellationToken ct)
    {
        var settings = Context.Options.Batch;
        var now = Context.Time.GetUtcNow();
        var deadline = NightDeadline.Next(request.Deadline ?? settings.Deadline, now);
        var margin = TimeSpan.FromMinutes(Context.Options.Runtime.MarginMinutes);
        var lockFor = Max(scope.JobLife, deadline - now + margin);
        var results = new ConcurrentDictionary<string, SymbolRunResult>(StringComparer.Ordinal);
        var ready = new ConcurrentDictionary<string, NightJob>(StringComparer.Ordinal);
        try
        {
            await Parallel.ForEachAsync(
                symbols,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(Math.Max(1, request.Parallel), Math.Min(4, Environment.ProcessorCount)), CancellationToken = ct },
                async (symbol, token) =>
                {
                    if (await PrepareNightJobAsync(symbol, request, lockFor, token).ConfigureAwait(false) is { } outcome)
                    {
                        if (outcome.Job is { } job)
                        {
                            ready[job.Spec.JobId] = outcome.Job;
                        }
                        else
                        {
                            results[symbol] = outcome.Result!;
                        }
                    }
                }).ConfigureAwait(false);

            var items = request.DryRun
                ? results.Values.Where(r => r.Status == RunStatus.Planned).Select(r => (Symbol: r.Symbol, JobId: r.JobId!, Bytes: r.Plan!.DatasetBytes, TrainRows: r.Plan.Job.Counts.Train)).ToList()
                : ready.Values.Select(j => (Symbol: j.Symbol, JobId: j.Spec.JobId, Bytes: new FileInfo(j.Job.DatasetFile).Length, TrainRows: j.Spec.Counts.Train)).ToList();
            if (items.Count == 0)
            {
                return (Ordered(symbols, results), null);
            }

            var history = await TrainingHistoryAsync(settings.HistoryRuns, ct).ConfigureAwait(false);
            var batchItems = items
                .OrderBy(i => i.Symbol, StringComparer.Ordinal)
                .Select(i =>
                {
                    var (seconds, source) = TrainingTimeEstimate.Estimate(
                        i.TrainRows, history.GetValueOrDefault(i.Symbol, []), settings.SecondsPerMillionRows, settings.MinimumTrainingSeconds);
                    return new BatchItem { Symbol = i.Symbol, JobId = i.JobId, DatasetBytes = i.Bytes, ExpectedTrainingSeconds = seconds, EstimateSource = source };
                })
                .ToList();
            var price = await provider.PriceAsync(ct).ConfigureAwait(false);
            var cost = new NightCostModel
            {
                DollarsPerHour = price.DollarsPerHour,
                InstanceSetup = price.Setup,
                PerJobOverhead = settings.PerJobOverhead,
                UploadUsdPerGb = price.UploadUsdPerGb,
            };
            var maxInstances = Math.Min(request.Instances ?? settings.MaxInstances, provider.MaxMachines);
            // Planned from now, not from the start: preparing (and --wait-for-data) may have taken hours of the night.
            var plan = NightPlanner.Plan(batchItems, cost, maxInstances, Context.Time.GetUtcNow(), deadline);
            var report = new NightReport { Plan = plan, Text = NightPlanTable.Render(plan), PriceNote = price.Note, NoMachine = price.NoMachine };
            Context.Log.Information(
                "Night plan: {Jobs} jobs on {Instances} instances, expected {WallMinutes:F1} min and {CostUsd:F2} $; {Reason}",
                batchItems.Count, plan.Chosen.Instances, plan.Chosen.Wall.TotalMinutes, plan.Chosen.CostUsd, plan.Reason);
            if (request.DryRun)
            {
                return (Ordered(symbols, results), report);
            }

            var batches = await TrainNightAsync(plan, ready, results, deadline, margin, request, ct).ConfigureAwait(false);
            return (Ordered(symbols, results), report with { Batches = batches });
        }
        finally
        {
            // Together, each on its bound: cleanup after SIGTERM must not take one write bound per symbol.
            await Task.WhenAll(ready.Values.Select(job => job.Day.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    /// <summary>One symbol up to training: its job ready to run, or its final result (not ready, skipped, planned, failed).</summary>
    private async Task<NightPreparation?> PrepareNightJobAsync(string symbol, RunDailyRequest request, TimeSpan lockFor, CancellationToken ct)
    {
        using var symbolProperty = LogContext.PushProperty("Symbol", symbol);
        var started = Context.Time.GetTimestamp();
        DateOnly? date = null;
        string? jobId = null;
        PreparedDay? day = null;
        try
        {
            date = await data.ResolveDateAsync(symbol, request, ct).ConfigureAwait(false);
            var prepared = await prepare.PrepareAsync(symbol, date.Value, request, lockFor, id => jobId = id, ct).ConfigureAwait(false);
            if (prepared.Final is { } final)
            {
                return new NightPreparation(null, final with { DurationSeconds = Context.Time.GetElapsedTime(started).TotalSeconds });
            }

            day = prepared.Day!;
            var champion = await ChampionStep.PrepareAsync(Context, day.Planned, day.JobDir, ct).ConfigureAwait(false);
            return new NightPreparation(new NightJob { Symbol = symbol, Started = started, Day = day, Champion = champion, Job = RunScope.TrainingJobOf(day, champion) }, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (day is not null)
            {
                await day.DisposeAsync().ConfigureAwait(false);
            }

            return new NightPreparation(null, scope.FailureOf(symbol, date, jobId, ex, started));
        }
    }

    /// <summary>
    /// Trains the plan's batches in parallel, one machine each, and evaluates every job as soon as it is back; the jobs of
    /// a lost machine run once more, all together on one new machine, when the deadline still allows it.
    /// </summary>
    private async Task<IReadOnlyList<BatchReport>> TrainNightAsync(
        NightPlan plan,
        IReadOnlyDictionary<string, NightJob> ready,
        ConcurrentDictionary<string, SymbolRunResult> results,
        DateTimeOffset deadline,
        TimeSpan margin,
        RunDailyRequest request,
        CancellationToken ct)
    {
        var evaluations = new List<Task>();
        var reports = new ConcurrentBag<BatchReport>();
        var lost = new ConcurrentQueue<(NightJob Job, string Error)>();
        var leaks = new ConcurrentQueue<(List<string> Symbols, string Leak)>();
        var runTag = scope.RunId.StartsWith("run-", StringComparison.Ordinal) ? scope.RunId[4..] : scope.RunId;

        async Task RunOneAsync(string batchId, IReadOnlyList<NightJob> jobs, bool lastChance, bool requeue)
        {
            var started = Context.Time.GetUtcNow();
            var hardLimit = BatchHardLimit(jobs.Count, deadline, margin);
            Context.Log.Information(
                "Batch {BatchId}: {Jobs} jobs ({Symbols}) on one machine, hard limit {HardLimitMinutes:F0} min",
                batchId, jobs.Count, string.Join(", ", jobs.Select(j => j.Symbol)), hardLimit.TotalMinutes);
            Task OnOutcome(JobOutcome outcome)
            {
                var job = ready[outcome.Job.Spec.JobId];
                scope.Audit.Note(new AuditEntry
                {
                    Step = "train", Symbol = job.Symbol, JobId = job.Spec.JobId, StartedAt = started, EndedAt = Context.Time.GetUtcNow(),
                    Outcome = outcome.Status switch { JobOutcomeStatus.Trained => "ok", JobOutcomeStatus.Lost => "lost", _ => "failed" },
                    Error = outcome.Error,
                });
                switch (outcome.Status)
                {
                    case JobOutcomeStatus.Trained:
                        // Evaluation and promotion overlap the next job's training; they never hold the machine.
                        lock (evaluations)
                        {
                            evaluations.Add(Task.Run(() => EvaluateNightJobAsync(job, outcome.Result!, results, request, ct), CancellationToken.None));
                        }

                        break;
                    case JobOutcomeStatus.Lost when !lastChance:
                        Context.Log.Warning("{Symbol} lost with its machine ({Reason}); it will be re-queued", job.Symbol, outcome.Error);
                        lost.Enqueue((job, outcome.Error ?? "machine lost"));
                        break;
                    default:
                        var why = outcome.Status != JobOutcomeStatus.Lost ? outcome.Error ?? "failed"
                            : requeue ? $"machine lost again after a re-queue: {outcome.Error}"
                            : $"machine lost (Batch:RequeueLost is off): {outcome.Error}";
                        results[job.Symbol] = scope.FailureOf(job.Symbol, job.Spec.Date, job.Spec.JobId, new TrainerFailedException(why), job.Started);
                        break;
                }

                return Task.CompletedTask;
            }

            IReadOnlyList<JobOutcome> outcomes;
            try
            {
                outcomes = await provider.RunBatchAsync(new BatchRequest { BatchId = batchId, Jobs = jobs.Select(j => j.Job).ToList(), HardLimit = hardLimit }, OnOutcome, ct)
                    .ConfigureAwait(false);
            }
            catch (Training.MachineLeakedException ex)
            {
                // The machine may still bill, but what it trained is being evaluated and stored: fail its jobs afterwards.
                leaks.Enqueue((jobs.Select(j => j.Symbol).ToList(), ex.Message));
                outcomes = [];
            }

            reports.Add(new BatchReport
            {
                BatchId = batchId,
                Symbols = jobs.Select(j => j.Symbol).ToList(),
                Trained = outcomes.Count(o => o.Status == JobOutcomeStatus.Trained),
                Failed = outcomes.Count(o => o.Status == JobOutcomeStatus.Failed),
                Lost = outcomes.Count(o => o.Status == JobOutcomeStatus.Lost),
                Requeue = requeue,
            });
        }

        await Task.WhenAll(plan.Chosen.Assignments.Select(a =>
            RunOneAsync($"batch-{runTag}-{a.Index + 1}", a.Items.Select(i => ready[i.JobId]).ToList(), lastChance: !Context.Options.Batch.RequeueLost, requeue: false))).ConfigureAwait(false);

        if (!lost.IsEmpty)
        {
            var again = lost.Select(l => l.Job).ToList();
            var expectedEnd = Context.Time.GetUtcNow() + plan.Chosen.Assignments.Select(a => a.Expected).Max();
            if (expectedEnd <= deadline)
            {
                Context.Log.Warning("Re-queueing {Jobs} jobs of a lost machine on a new one: {Symbols}", again.Count, string.Join(", ", again.Select(j => j.Symbol)));
                await RunOneAsync($"batch-{runTag}-requeue", again, lastChance: true, requeue: true).ConfigureAwait(false);
            }
            else
            {
                foreach (var (job, error) in lost)
                {
                    results[job.Symbol] = scope.FailureOf(job.Symbol, job.Spec.Date, job.Spec.JobId,
                        new TrainerFailedException($"{error}; not re-queued: it would not finish before the deadline {deadline:u}"), job.Started);
                }
            }
        }

        Task[] pending;
        lock (evaluations)
        {
            pending = [.. evaluations];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        foreach (var (symbols, leak) in leaks)
        {
            foreach (var symbol in symbols)
            {
                results[symbol] = results.TryGetValue(symbol, out var done)
                    ? RunScope.WithTeardownFailure(done, leak)
                    : scope.FailureOf(symbol, ready.Values.First(j => j.Symbol == symbol).Spec.Date, ready.Values.First(j => j.Symbol == symbol).Spec.JobId, new QuantLabException(leak), ready.Values.First(j => j.Symbol == symbol).Started);
            }
        }

        // One read of the run's instance records for every symbol, not one per symbol.
        if (await record.RunRecordsAsync().ConfigureAwait(false) is { } records)
        {
            foreach (var (symbol, result) in results)
            {
                results[symbol] = RecordStep.WithRentals(result, records);
            }
        }

        return reports.OrderBy(r => r.BatchId, StringComparer.Ordinal).ToList();
    }

    private async Task EvaluateNightJobAsync(
        NightJob job, TrainingResult training, ConcurrentDictionary<string, SymbolRunResult> results, RunDailyRequest request, CancellationToken ct)
    {
        using var symbolProperty = LogContext.PushProperty("Symbol", job.Symbol);
        using var jobProperty = LogContext.PushProperty("JobId", job.Spec.JobId);
        try
        {
            var result = await decide.RunAsync(job.Day, job.Champion, training, request, ct).ConfigureAwait(false);
            results[job.Symbol] = result with { DurationSeconds = Context.Time.GetElapsedTime(job.Started).TotalSeconds };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            results[job.Symbol] = scope.FailureOf(job.Symbol, job.Spec.Date, job.Spec.JobId, ex, job.Started);
        }
    }

    /// <summary>
    /// How long a batch's machine may live: each job's runtime limit plus the margin, but never past the deadline plus
    /// the margin (a lost orchestrator must not leave a night's worth of limits billing), and never less than one job's.
    /// </summary>
    private TimeSpan BatchHardLimit(int jobs, DateTimeOffset deadline, TimeSpan margin)
    {
        var runtime = Context.Options.Runtime;
        var all = Context.Budget?.LongestBatchLife(jobs) ?? (TimeSpan.FromMinutes(runtime.MaxRuntimeMinutes) * jobs) + margin;
        var byDeadline = deadline - Context.Time.GetUtcNow() + margin;
        return Max(scope.JobLife, all < byDeadline ? all : byDeadline);
    }

    /// <summary>Per symbol, what past runs took to train (rows and trainer seconds), newest runs first.</summary>
    private async Task<Dictionary<string, List<PastTraining>>> TrainingHistoryAsync(int runs, CancellationToken ct)
    {
        var history = new Dictionary<string, List<PastTraining>>(StringComparer.Ordinal);
        if (runs == 0)
        {
            return history;
        }

        try
        {
            foreach (var summary in await new RunLog(Context.Registry.Store).ListAsync(runs, ct).ConfigureAwait(false))
            {
                foreach (var entry in summary.Runs.Where(e => e.TrainRows is > 0 && e.TrainerSeconds is > 0))
                {
                    if (!history.TryGetValue(entry.Symbol, out var list))
                    {
                        history[entry.Symbol] = list = [];
                    }

                    list.Add(new PastTraining { TrainRows = entry.TrainRows!.Value, TrainerSeconds = entry.TrainerSeconds!.Value, FinishedAt = summary.FinishedAt });
                }
            }
        }
        catch (QuantLabException ex)
        {
            Context.Log.Warning("Could not read past runs for training estimates, using dataset sizes: {Reason}", ex.Message);
        }

        return history;
    }

    private static List<SymbolRunResult> Ordered(IReadOnlyList<string> symbols, ConcurrentDictionary<string, SymbolRunResult> results) =>
        symbols.Where(results.ContainsKey).Select(s => results[s]).ToList();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A symbol whose job is ready to train tonight.</summary>
    private sealed record NightJob
    {
        public required string Symbol { get; init; }
        public required long Started { get; init; }
        public required PreparedDay Day { get; init; }
        public required ChampionSetup? Champion { get; init; }
        public required TrainingJob Job { get; init; }
        public JobSpec Spec => Job.Spec;
    }

    private sealed record NightPreparation(NightJob? Job, SymbolRunResult? Result);
}
