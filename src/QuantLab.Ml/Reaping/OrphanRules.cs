using System.Globalization;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Reaping;

/// <summary>
/// Decides whether one instance of ours is an orphan from its run record, its run's lock and its age, as of one moment.
/// Rules in order: the run ended; older than the max age; no record and past the grace period; lock dead and owner gone.
/// </summary>
internal sealed class OrphanRules
{
    private static readonly InstanceStatus[] EndedStatuses = [InstanceStatus.Destroyed, InstanceStatus.Failed, InstanceStatus.Reaped, InstanceStatus.DestroyFailed];

    private readonly Dictionary<long, InstanceRecord> byInstanceId;
    private readonly ILookup<string, InstanceRecord> byLabel;
    private readonly Dictionary<(string Symbol, DateOnly Date), LockRecord> locks;
    private readonly ReapRequest request;
    private readonly DateTimeOffset now;

    public OrphanRules(IReadOnlyList<InstanceRecord> records, IReadOnlyList<LockRecord> locks, ReapRequest request, DateTimeOffset now)
    {
        // Several attempts of one job share a label; the newest record of an instance id or a label speaks for it.
        var newestFirst = records.OrderByDescending(r => r.CreatedAt).ToList();
        byInstanceId = newestFirst.Where(r => r.InstanceId is not null).DistinctBy(r => r.InstanceId!.Value).ToDictionary(r => r.InstanceId!.Value);
        byLabel = newestFirst.ToLookup(r => r.Label, StringComparer.Ordinal);
        this.locks = locks.DistinctBy(l => (l.Symbol, l.Date)).ToDictionary(l => (l.Symbol, l.Date));
        this.request = request;
        this.now = now;
    }

    /// <summary>The run record of an instance: by instance id first, else the newest attempt with its label.</summary>
    public InstanceRecord? RecordFor(VastInstance instance) =>
        byInstanceId.GetValueOrDefault(instance.Id) ?? (instance.Label is null ? null : byLabel[instance.Label].FirstOrDefault());

    public Verdict Judge(VastInstance instance)
    {
        var record = RecordFor(instance);
        var started = instance.Started ?? record?.CreatedAt;
        var age = started is { } s ? now - s : (TimeSpan?)null;

        if (record is not null && EndedStatuses.Contains(record.Status))
        {
            return Orphan(OrphanRule.RunEnded, $"run record {record.AttemptId} says {record.Status.Wire()}, but the instance still exists", record);
        }

        // A batch trains many jobs and may outlive one job's max age; its own recorded deadline bounds it instead.
        var batchDeadline = record is { JobIds: not null, DeadlineAt: { } d } ? d : (DateTimeOffset?)null;
        if (batchDeadline is { } until && now > until)
        {
            return Orphan(OrphanRule.MaxAge, string.Create(CultureInfo.InvariantCulture, $"its batch's deadline {until:u} has passed"), record);
        }

        if (age > request.MaxAge && batchDeadline is null)
        {
            return Orphan(OrphanRule.MaxAge, $"older than the max age of {Span(request.MaxAge)}", record);
        }

        if (record is null)
        {
            return age switch
            {
                null => Kept("no run record and no start date, so its age is unknown", null),
                _ when age > request.NoRecordGrace => Orphan(OrphanRule.NoRecord, $"no run record, and older than the {Span(request.NoRecordGrace)} grace period", null),
                _ => Kept($"no run record yet, but younger than the {Span(request.NoRecordGrace)} grace period", null),
            };
        }

        // A batch instance trains several jobs: it is still wanted while its run holds any of their locks.
        var runLocks = LocksOf(record);
        var live = runLocks.FirstOrDefault(l => Storage.JobLock.StaleReason(l, now) is null);
        if (live is not null)
        {
            return Kept(string.Create(CultureInfo.InvariantCulture, $"run {record.RunId} holds its lock until {live.ExpiresAt:u}"), record);
        }

        var lockWhy = runLocks.Count == 0
            ? LockMissing(record)
            : $"its lock is stale ({Storage.JobLock.StaleReason(runLocks[0], now)})";
        var ownerWhy = OwnerGone(record, runLocks.Count == 0 ? null : runLocks.Min(l => l.AcquiredAt));
        return ownerWhy is null
            ? Kept($"{lockWhy}, but its owner (pid {record.OwnerPid} on {record.OwnerHost}) may still be running", record)
            : Orphan(OrphanRule.OwnerGone, $"{lockWhy} and {ownerWhy}", record);
    }

    /// <summary>The locks of the record's jobs (one, or a batch's) that its run holds.</summary>
    private List<LockRecord> LocksOf(InstanceRecord record) =>
        record.Jobs
            .Select(RemoteJobId.KeyOf)
            .Where(k => k is not null)
            .Select(k => locks.GetValueOrDefault(k!.Value))
            .Where(l => l is not null && string.Equals(l.RunId, record.RunId, StringComparison.Ordinal))
            .Select(l => l!)
            .ToList();

    private string LockMissing(InstanceRecord record)
    {
        foreach (var key in record.Jobs.Select(RemoteJobId.KeyOf))
        {
            if (key is { } k && locks.TryGetValue(k, out var other))
            {
                return $"its job's lock is held by another run ({other.RunId})";
            }
        }

        return "its run holds no lock";
    }

    private string? OwnerGone(InstanceRecord record, DateTimeOffset? lockAcquiredAt)
    {
        if (OwnerProcess.IsGoneFromThisHost(record.OwnerHost, record.OwnerPid))
        {
            return string.Create(CultureInfo.InvariantCulture, $"its owner process {record.OwnerPid} on this host is gone");
        }

        // A run on another host cannot be checked; one older than max runtime + margin has outlived every limit.
        // A batch has its own limit (its record's deadline), longer than one job's.
        if (record.JobIds is not null && record.DeadlineAt is { } deadline)
        {
            return now > deadline ? $"its batch's deadline {deadline:u} has passed" : null;
        }

        var since = lockAcquiredAt ?? record.CreatedAt;
        return now - since > request.RunLimit
            ? $"its run started {Span(now - since)} ago, beyond max runtime + margin ({Span(request.RunLimit)})"
            : null;
    }

    /// <summary>(symbol, date) of a job id job-&lt;symbol&gt;-&lt;yyyyMMdd&gt;-&lt;hex&gt;, or null when it has another shape.</summary>
    private static string Span(TimeSpan span) => InstanceTable.FormatAge(span);

    private static Verdict Orphan(OrphanRule rule, string reason, InstanceRecord? record) => new(rule, reason, record);

    private static Verdict Kept(string reason, InstanceRecord? record) => new(null, reason, record);
}

/// <summary>An orphan rule and its reason, or (no rule) why the instance is kept; with the run record it was matched to.</summary>
internal sealed record Verdict(OrphanRule? Rule, string Reason, InstanceRecord? Record)
{
    public bool IsOrphan => Rule is not null;
}
