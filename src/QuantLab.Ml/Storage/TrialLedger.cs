using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>One evaluation of a test window: a trial for the deflated Sharpe ratio, whatever became of the candidate.</summary>
public sealed record TrialEntry
{
    public required string JobId { get; init; }
    public required DateOnly Date { get; init; }
    public DateTimeOffset? TestFrom { get; init; }
    public DateTimeOffset? TestTo { get; init; }

    /// <summary>The trial's per-bar Sharpe ratio net of costs (NaN when unknown, e.g. counted from an older store).</summary>
    public required double SharpePerBar { get; init; }

    public required string ConfigHash { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
}

/// <summary>The trials of one symbol, oldest first.</summary>
public sealed record TrialLedgerFile
{
    public required string Symbol { get; init; }
    public required IReadOnlyList<TrialEntry> Trials { get; init; }
}

/// <summary>
/// The per-symbol trial ledger in the store (trials/&lt;exchange-symbol&gt;.json): every evaluation of a test window — a re-run
/// with another configuration, another seed, <c>--force</c> — is appended, so the deflated Sharpe ratio counts every try
/// and the variance of their Sharpe ratios. Appends are conditional writes (ETag), retried when another run wrote first.
/// </summary>
public sealed class TrialLedger(IArtifactStore store)
{
    private const int Attempts = 5;

    public static string Key(string symbol) => $"trials/{Market.ParseKey(symbol)}.json";

    /// <summary>The trials recorded so far (empty when the ledger does not exist yet).</summary>
    public async Task<IReadOnlyList<TrialEntry>> ReadAsync(string symbol, CancellationToken ct)
    {
        var text = await store.ReadTextAsync(Key(symbol), ct).ConfigureAwait(false);
        return text is null ? [] : Json.Deserialize(text.Content, StorageJson.Indented.TrialLedgerFile, Key(symbol)).Trials;
    }

    /// <summary>Appends one trial and returns every trial, this one included.</summary>
    public async Task<IReadOnlyList<TrialEntry>> AppendAsync(string symbol, TrialEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var key = Key(symbol);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.ReadTextAsync(key, ct).ConfigureAwait(false);
            var trials = current is null ? [] : Json.Deserialize(current.Content, StorageJson.Indented.TrialLedgerFile, key).Trials;
            var next = new TrialLedgerFile { Symbol = symbol, Trials = [.. trials, entry] };
            var condition = current is null ? WriteCondition.IfAbsent : WriteCondition.IfMatch(current.ETag);
            try
            {
                await store.WriteTextAsync(key, Json.Serialize(next, StorageJson.Indented.TrialLedgerFile), condition, ct).ConfigureAwait(false);
                return next.Trials;
            }
            catch (ConcurrentWriteException) when (attempt < Attempts)
            {
                // Another run of the same symbol appended first; read its version and append again.
            }
        }
    }
}
