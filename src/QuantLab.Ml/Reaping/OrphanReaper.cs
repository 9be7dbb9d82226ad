using QuantLab.Ml.Storage;
using QuantLab.Ml.Vast;
using Serilog;

namespace QuantLab.Ml.Reaping;

/// <summary>
/// Finds the instances of ours that no live run owns and destroys them: lists every instance of the account (a broken
/// list aborts, it is never "nothing to reap"), judges each one carrying our label prefix by its run record, its run's
/// lock and its age (<see cref="OrphanRules"/>), destroys the orphans with the verified destroy
/// (<see cref="VastClient.DestroyAndVerifyAsync"/>: an orphan counts as destroyed only once Vast no longer lists it),
/// settles the run records (status reaped, cost) and writes one audit object to the store.
/// </summary>
public sealed class OrphanReaper
{
    private readonly VastClient vast;
    private readonly IArtifactStore store;
    private readonly TimeProvider time;
    private readonly ILogger log;

    public OrphanReaper(VastClient vast, IArtifactStore store, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(vast);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        this.vast = vast;
        this.store = store;
        this.time = time;
        this.log = log.ForContext<OrphanReaper>();
    }

    /// <summary>
    /// One reap. Throws <see cref="ReapAbortedException"/> when the instance list or the run records cannot be read (nothing
    /// is destroyed then). A failed destroy does not throw: that orphan gets outcome <see cref="ReapOutcome.DestroyFailed"/>
    /// and the others go on.
    /// </summary>
    public async Task<ReapResult> ReapAsync(ReapRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var startedAt = time.GetUtcNow();

        // The list comes first: when it is broken nothing else is worth doing, and nothing may be destroyed.
        IReadOnlyList<VastInstance> all;
        try
        {
            all = await vast.ListInstancesAsync(null, ct).ConfigureAwait(false);
        }
        catch (VastApiException ex)
        {
            throw new ReapAbortedException($"cannot list the Vast instances, so nothing was reaped: {ex.Message}", ex);
        }

        var ours = all.Where(i => i.Label?.StartsWith(request.LabelPrefix, StringComparison.Ordinal) == true).OrderBy(i => i.Id).ToList();
        IReadOnlyList<InstanceRecord> records = [];
        IReadOnlyList<LockRecord> locks = [];
        try
        {
            if (ours.Count > 0)
            {
                records = await new InstanceRecords(store).ListAsync(ct).ConfigureAwait(false);
                locks = await new JobLock(store, time).ListAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without the records a live run's instance would look unowned: better reap nothing and say so.
            throw new ReapAbortedException($"cannot read the run records and locks in {store.Root}, so nothing was reaped: {ex.Message}", ex);
        }

        var rules = new OrphanRules(records, locks, request, time.GetUtcNow());
        var rows = InstanceTable.Rows(ours, time);
        var orphans = new List<ReapEntry>();
        var kept = new List<ReapEntry>();
        var warnings = new List<string>();
        for (var n = 0; n < ours.Count; n++)
        {
            var instance = ours[n];
            var verdict = rules.Judge(instance);
            var entry = Entry(rows[n], verdict);
            if (!verdict.IsOrphan)
            {
                log.Debug("Keeping instance {InstanceId} {Label}: {Reason}", instance.Id, instance.Label, verdict.Reason);
                kept.Add(entry);
                continue;
            }

            if (request.DryRun)
            {
                log.Information("Would destroy orphan {InstanceId} {Label} ({Status}): {Reason}", instance.Id, instance.Label, entry.Status, verdict.Reason);
                orphans.Add(entry);
                continue;
            }

            log.Warning("Destroying orphan {InstanceId} {Label} ({Status}, about {CostSoFar} $ so far): {Reason}", instance.Id, instance.Label, entry.Status, entry.CostSoFar, verdict.Reason);
            var (outcome, error) = await DestroyAsync(instance.Id, request.DestroyBudget, ct).ConfigureAwait(false);
            orphans.Add(entry with { Outcome = outcome, Error = error });
            if (verdict.Record is { } record && await SettleAsync(record, instance, outcome, error, ct).ConfigureAwait(false) is { } warning)
            {
                warnings.Add(warning);
            }
        }

        var result = new ReapResult
        {
            StartedAt = startedAt,
            FinishedAt = time.GetUtcNow(),
            DryRun = request.DryRun,
            LabelPrefix = request.LabelPrefix,
            InstancesListed = all.Count,
            Orphans = orphans,
            Kept = kept,
            Warnings = warnings,
        };
        if (!request.DryRun && await ReapAudit.TryWriteAsync(store, result, log, ct).ConfigureAwait(false) is { } auditWarning)
        {
            result = result with { Warnings = [.. warnings, auditWarning] };
        }

        log.Information(
            "Reap done for label prefix {LabelPrefix}, {Listed} instances listed, {Ours} ours, {Orphans} orphans, {Failed} destroy failures, {Kept} kept{DryRun}",
            request.LabelPrefix, all.Count, ours.Count, orphans.Count, result.DestroyFailures, kept.Count, request.DryRun ? " (dry run)" : string.Empty);
        return result;
    }

    private static ReapEntry Entry(InstanceRow row, Verdict verdict) => new()
    {
        Id = row.Id,
        Label = row.Label,
        Status = row.Status,
        AgeSeconds = row.AgeSeconds,
        PricePerHour = row.PricePerHour,
        CostSoFar = row.CostSoFar,
        Rule = verdict.Rule,
        Reason = verdict.Reason,
        Outcome = verdict.IsOrphan ? ReapOutcome.WouldDestroy : ReapOutcome.Kept,
        AttemptId = verdict.Record?.AttemptId,
    };

    // The night's verified destroy (retries with backoff, read-backs, a repeated DELETE after a success that destroyed
    // nothing), on a budget of its own per orphan: an orphan is only called destroyed once Vast no longer lists it.
    private async Task<(ReapOutcome Outcome, string? Error)> DestroyAsync(long instanceId, TimeSpan destroyBudget, CancellationToken ct)
    {
        using var budget = new CancellationTokenSource(destroyBudget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, budget.Token);
        var result = await vast.DestroyAndVerifyAsync(instanceId, linked.Token).ConfigureAwait(false);

        // Interrupted, not failed: the record keeps what it said, and the next reap finds the instance again.
        ct.ThrowIfCancellationRequested();
        if (result.Verified)
        {
            return (result.WasAlreadyGone ? ReapOutcome.AlreadyGone : ReapOutcome.Destroyed, null);
        }

        log.Error("Orphan {InstanceId} may still be billing: its destroy was not verified after {Deletes} DELETEs: {Reason}", instanceId, result.Deletes, result.Error);
        return (ReapOutcome.DestroyFailed, result.Error);
    }

    /// <summary>
    /// Appends what the reap did to the run record (never rewriting the owner's fields: its cost and error survive) and
    /// marks it reaped once the instance is gone; a conditional write, so a concurrent update by the owner is never lost.
    /// Returns a warning when the store refuses.
    /// </summary>
    private async Task<string?> SettleAsync(InstanceRecord matched, VastInstance instance, ReapOutcome outcome, string? error, CancellationToken ct)
    {
        var records = new InstanceRecords(store);
        try
        {
            for (var tries = 1; ; tries++)
            {
                // Read again: the owning run (or another reaper) may have settled it since the list.
                var versioned = await records.GetVersionedAsync(matched.AttemptId, ct).ConfigureAwait(false);
                var record = versioned?.Record ?? matched;
                if (outcome == ReapOutcome.AlreadyGone && record.IsSettled)
                {
                    return null;
                }

                var updated = Settled(record, instance, outcome, error);
                try
                {
                    if (versioned is { } v)
                    {
                        await records.WriteIfUnchangedAsync(updated, v.ETag, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await records.WriteAsync(updated, ct).ConfigureAwait(false);
                    }
                }
                catch (ConcurrentWriteException) when (tries < 3)
                {
                    continue;
                }

                log.Information("Run record {AttemptId} of instance {InstanceId} is now {Status}", updated.AttemptId, instance.Id, updated.Status.Wire());
                return null;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.Warning(ex, "Could not settle run record {AttemptId} of instance {InstanceId}", matched.AttemptId, instance.Id);
            return $"run record {matched.AttemptId} of instance {instance.Id} could not be settled: {ex.Message}";
        }
    }

    private InstanceRecord Settled(InstanceRecord record, VastInstance instance, ReapOutcome outcome, string? error)
    {
        var now = time.GetUtcNow();
        var dph = instance.DphTotal ?? record.DollarsPerHour;
        var from = instance.Started ?? record.CreatedAt;
        var cost = dph is { } p && now > from ? Math.Round(p * (now - from).TotalHours, 4) : (double?)null;
        var note = new ReapNote
        {
            At = now,
            Outcome = outcome switch { ReapOutcome.DestroyFailed => "destroy_failed", ReapOutcome.AlreadyGone => "already_gone", _ => "destroyed" },
            InstanceId = instance.Id,
            CostUsd = cost,
            Error = outcome == ReapOutcome.DestroyFailed ? $"reap-orphans could not destroy instance {instance.Id}: {error}" : null,
            ReaperHost = Environment.MachineName,
        };
        var reaps = (IReadOnlyList<ReapNote>)[.. record.Reaps ?? [], note];
        if (outcome == ReapOutcome.DestroyFailed)
        {
            // Still billing, whatever the owner last wrote: the status says so, the owner's fields stay as written.
            return record with { Status = InstanceStatus.DestroyFailed, InstanceId = record.InstanceId ?? instance.Id, UpdatedAt = now, Reaps = reaps };
        }

        return record with
        {
            Status = InstanceStatus.Reaped,
            InstanceId = record.InstanceId ?? instance.Id,
            UpdatedAt = now,
            DestroyedAt = now,
            DollarsPerHour = record.DollarsPerHour ?? dph,

            // The owner's figure is never rewritten (the reap's own estimate is in its note); filled only when there is none.
            CostUsd = record.CostUsd ?? cost,
            Reaps = reaps,
        };
    }
}
