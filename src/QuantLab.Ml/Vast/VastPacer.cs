namespace QuantLab.Ml.Vast;

/// <summary>
/// Keeps a minimum interval between the starts of two calls to the same endpoint. Vast enforces per-endpoint
/// minimum intervals and answers 429 without Retry-After, so waiting up front is cheaper than backing off.
/// </summary>
internal sealed class VastPacer
{
    private readonly TimeProvider time;
    private readonly VastPacingOptions pacing;
    private readonly Dictionary<VastEndpoint, Gate> gates;

    public VastPacer(VastPacingOptions pacing, TimeProvider time)
    {
        this.pacing = pacing;
        this.time = time;
        gates = Enum.GetValues<VastEndpoint>().ToDictionary(e => e, _ => new Gate());
    }

    /// <summary>Completes when a call to <paramref name="endpoint"/> may start; callers queue in order.</summary>
    public async ValueTask WaitTurnAsync(VastEndpoint endpoint, CancellationToken ct)
    {
        var interval = pacing.For(endpoint);
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var gate = gates[endpoint];
        await gate.Lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (gate.LastStart is { } last)
            {
                var wait = interval - time.GetElapsedTime(last);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, ct).ConfigureAwait(false);
                }
            }

            gate.LastStart = time.GetTimestamp();
        }
        finally
        {
            gate.Lock.Release();
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public long? LastStart { get; set; }
    }
}
