using QuantLab.Ml.Remote;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Operations;

/// <summary>Live instances for `status` and the metrics textfile: our labelled Vast instances, attributed to symbols by their job id.</summary>
public sealed class VastLiveInstanceSource(VastClient client) : ILiveInstanceSource
{
    public async Task<IReadOnlyList<LiveInstance>> ListAsync(CancellationToken ct)
    {
        var prefix = client.Options.LabelPrefix;
        var instances = await client.ListInstancesAsync(prefix, ct).ConfigureAwait(false);
        return instances.Select(i =>
        {
            var jobId = i.Label is { } label && label.StartsWith(prefix, StringComparison.Ordinal) ? label[prefix.Length..] : null;
            return new LiveInstance
            {
                InstanceId = i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Provider = ComputeProviderKind.Vast.Wire(),
                JobId = jobId,
                Symbol = RemoteJobId.KeyOf(jobId)?.Symbol,
                State = i.ActualStatus,
                StartedAt = i.Started,
                DollarsPerHour = i.DphTotal,
            };
        }).ToList();
    }
}
