using QuantLab.Ml.Common;
using QuantLab.Ml.Reaping;

namespace QuantLab.Ml.Pipeline;

/// <summary>What reaping before renting needs: the reaper of the provider's machines and the request it runs with.</summary>
public sealed record LeftoverReaping(OrphanReaper Reaper, ReapRequest Request);

/// <summary>
/// Step 0, for providers that rent: a night starts clean. Leftovers of earlier runs are destroyed before anything is
/// rented; a failed reap is loud but does not stop tonight's training (`reap-orphans` and the next night retry it).
/// </summary>
internal sealed class ReapStep(RunScope scope)
{
    public async Task RunAsync(CancellationToken ct)
    {
        if (scope.Context.Leftovers is not { } leftovers)
        {
            return;
        }

        try
        {
            var result = await leftovers.Reaper.ReapAsync(leftovers.Request, ct).ConfigureAwait(false);
            if (result.DestroyFailures > 0)
            {
                scope.Log.Error("{Failures} leftover Vast instances could not be destroyed before tonight's run; run `quantlab-ml reap-orphans`", result.DestroyFailures);
            }
            else if (result.Orphans.Count > 0)
            {
                scope.Log.Warning("Destroyed {Count} leftover Vast instances before renting", result.Orphans.Count);
            }
        }
        catch (QuantLabException ex)
        {
            scope.Log.Error("Could not check for leftover Vast instances before renting: {Reason}", ex.Message);
        }
    }
}
