using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// A lock per symbol and date in the store (locks/&lt;symbol&gt;-&lt;yyyyMMdd&gt;.json), so two overlapping cron runs never
/// rent twice for the same job. Taken with a create-only write; a stale lock (expired, or its owner process gone from this
/// host) is taken over with a replace-only-this-version write and a log line.
/// </summary>
public sealed class JobLock(IArtifactStore store, TimeProvider time)
{
    /// <summary>Tries to take the lock; returns null with the holder when somebody else has it.</summary>
    public async Task<LockAttempt> TryAcquireAsync(string symbol, DateOnly date, string runId, TimeSpan ttl, CancellationToken ct)
    {
        var key = KeyOf(symbol, date);
        var now = time.GetUtcNow();
        var mine = new LockRecord
        {
            Symbol = symbol,
            Date = date,
            RunId = runId,
            OwnerHost = Environment.MachineName,
            OwnerPid = Environment.ProcessId,
            AcquiredAt = now,
            ExpiresAt = now + ttl,
        };
        try
        {
            var etag = await store.WriteTextAsync(key, Json.Serialize(mine, StorageJson.Indented.LockRecord), WriteCondition.IfAbsent, ct).ConfigureAwait(false);
            return new LockAttempt(true, mine, null, etag);
        }
        catch (ConcurrentWriteException)
        {
            // Somebody holds it: take it over only when it is stale.
        }

        var current = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
        if (current is null)
        {
            return await TryAcquireAsync(symbol, date, runId, ttl, ct).ConfigureAwait(false);
        }

        var holder = Json.Deserialize(current.Content, StorageJson.Indented.LockRecord, key);
        var staleReason = StaleReason(holder, now);
        if (staleReason is null)
        {
            return new LockAttempt(false, null, holder, null);
        }

        try
        {
            var etag = await store.WriteTextAsync(key, Json.Serialize(mine, StorageJson.Indented.LockRecord), WriteCondition.IfMatch(current.ETag), ct).ConfigureAwait(false);
            return new LockAttempt(true, mine, holder, etag) { TakenOverBecause = staleReason };
        }
        catch (ConcurrentWriteException)
        {
            var winner = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
            return new LockAttempt(false, null, winner is null ? holder : Json.Deserialize(winner.Content, StorageJson.Indented.LockRecord, key), null);
        }
    }

    /// <summary>Releases a lock this run holds (only when it still holds that version).</summary>
    public async Task ReleaseAsync(LockAttempt attempt, CancellationToken ct)
    {
        if (!attempt.Acquired || attempt.Lock is null)
        {
            return;
        }

        var key = KeyOf(attempt.Lock.Symbol, attempt.Lock.Date);
        var current = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
        if (current is not null && current.ETag == attempt.ETag)
        {
            await store.DeleteAsync(key, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Every lock in the store (for the reaper).</summary>
    public Task<IReadOnlyList<LockRecord>> ListAsync(CancellationToken ct) => store.ReadAllAsync("locks/", StorageJson.Indented.LockRecord, null, ct);

    /// <summary>Why a lock no longer protects anything, or null when its owner may still be working.</summary>
    public static string? StaleReason(LockRecord holder, DateTimeOffset now)
    {
        if (holder.ExpiresAt <= now)
        {
            return $"expired at {holder.ExpiresAt:u}";
        }

        if (string.Equals(holder.OwnerHost, Environment.MachineName, StringComparison.Ordinal) && !ProcessIsAlive(holder.OwnerPid))
        {
            return $"its owner process {holder.OwnerPid} on this host is gone";
        }

        return null;
    }

    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string KeyOf(string symbol, DateOnly date) => $"locks/{Market.ParseKey(symbol)}-{TradingDate.Compact(date)}.json";
}

/// <summary>The lock of one symbol and date.</summary>
public sealed record LockRecord
{
    public required string Symbol { get; init; }
    public required DateOnly Date { get; init; }
    public required string RunId { get; init; }
    public required string OwnerHost { get; init; }
    public required int OwnerPid { get; init; }
    public required DateTimeOffset AcquiredAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>Outcome of <see cref="JobLock.TryAcquireAsync"/>: whether we hold it, and who held it before or holds it now.</summary>
public sealed record LockAttempt(bool Acquired, LockRecord? Lock, LockRecord? Holder, string? ETag)
{
    /// <summary>Set when a stale lock was taken over.</summary>
    public string? TakenOverBecause { get; init; }
}
