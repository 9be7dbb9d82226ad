using QuantLab.Ml.Common;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;
using Serilog;

namespace QuantLab.Ml.Compute.Vast;

/// <summary>
/// Runs a batch of jobs (a single symbol's: a batch of one) on a rented Vast.ai GPU (the rental is
/// <see cref="VastRenter"/>'s, the price before renting <see cref="VastPricing"/>'s): offer → create (labelled, recorded first) → running → SSH → train → download →
/// destroy. Every instance it creates is destroyed before it returns or throws, whatever happened; what a killed process
/// leaves behind is found through its <see cref="InstanceRecord"/> by reap-orphans, and the on-box watchdog destroys the
/// instance itself when max runtime + margin has passed.
/// </summary>
public sealed class VastComputeProvider(
    VastClient client,
    OfferQuery query,
    VastProviderOptions options,
    RemoteJobRunner runner,
    InstanceRecords records,
    string runId,
    TimeProvider time,
    ILogger log) : IBatchComputeProvider
{
    // Fields rather than captured parameters: the parameters also build the parts below.
    private readonly RemoteJobRunner runner = runner;
    private readonly ILogger log = log;
    private readonly VastPricing pricing = new(client, query, options);
    private readonly VastRenter renter = new(client, query, options, runner.Options.Root, records, runId, time, log);

    public ComputeProviderKind Kind => ComputeProviderKind.Vast;

    public bool RentsMachines => true;

    /// <summary>
    /// The run's time model: the longest a job may live (on-box watchdog, record deadline) and the store-write bound
    /// of teardown. Null = the job's own runtime limit and a 15 s write bound (tests that build the provider by hand).
    /// </summary>
    public TimeBudget? Budget { get => renter.Budget; init => renter.Budget = value; }

    /// <summary>Batches run on as many instances at once as the night's plan asks for; the account's limits are the real cap.</summary>
    public int MaxMachines => int.MaxValue;

    public Task<MachinePrice> PriceAsync(CancellationToken ct) => pricing.PriceAsync(ct);

    /// <summary>
    /// One instance for the whole batch: rented, labelled (<c>quantlab-ml:&lt;batch id&gt;</c>) and recorded, the jobs
    /// trained one after another over one connection, destroyed as soon as the last job's outputs are down. When no instance can be had,
    /// every job fails with the reason; a lost instance makes its unfinished jobs Lost (the pipeline may re-queue them).
    /// </summary>
    public async Task<IReadOnlyList<JobOutcome>> RunBatchAsync(BatchRequest batch, Func<JobOutcome, Task> onOutcome, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(onOutcome);
        var reported = new List<JobOutcome>();
        async Task Report(JobOutcome outcome)
        {
            lock (reported)
            {
                reported.Add(outcome);
            }

            await onOutcome(outcome).ConfigureAwait(false);
        }

        try
        {
            await renter.RentAsync(
                new RentalSubject(batch.BatchId, batch.Jobs.Select(j => j.Spec.JobId).ToList(), batch.HardLimit),
                async (target, rental, token) =>
                {
                    string? vastSays = null;
                    var outcomes = await runner.RunBatchAsync(
                        target,
                        batch.Jobs,
                        async outcome =>
                        {
                            if (outcome is { Status: JobOutcomeStatus.Trained, Result: { } trained } && DeviceProblem(outcome.Job.Spec, trained.OutputDir) is { } problem)
                            {
                                log.Error("{Problem}", problem);
                                outcome = JobOutcome.Failed(outcome.Job, problem);
                            }

                            if (outcome.Status == JobOutcomeStatus.Lost)
                            {
                                vastSays ??= await renter.DescribeLostAsync(rental.InstanceId).ConfigureAwait(false);
                                outcome = outcome with { Error = outcome.Error + vastSays };
                            }

                            await Report(outcome).ConfigureAwait(false);
                        },
                        token).ConfigureAwait(false);
                    rental.Succeeded = outcomes.All(o => o.Status != JobOutcomeStatus.Lost);
                    if (!rental.Succeeded)
                    {
                        rental.Error = "instance lost: " + outcomes.First(o => o.Status == JobOutcomeStatus.Lost).Error;
                    }
                },
                ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuantLabException and not MachineLeakedException && !ct.IsCancellationRequested)
        {
            // No instance could be rented (or it failed before the first job): every job not yet reported fails with why.
            foreach (var job in batch.Jobs.Where(j => !reported.Any(o => o.Job == j)))
            {
                await Report(JobOutcome.Failed(job, ex.Message)).ConfigureAwait(false);
            }
        }

        return reported;
    }

    /// <summary>
    /// A job that asked for cuda must have trained on cuda (runtime.json's device_used): a rented GPU night that trained on
    /// the CPU is a failure, with the trainer's reason (driver, wheel, no GPU). Null when all is well.
    /// </summary>
    internal static string? DeviceProblem(JobSpec spec, string outputDir)
    {
        if (spec.Device != "cuda")
        {
            return null;
        }

        var path = Path.Combine(outputDir, spec.Outputs.Runtime);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
            var used = Text("device_used");
            return used == "cuda"
                ? null
                : $"job {spec.JobId} asked for cuda but trained on {used ?? "an unknown device"}: {Text("device_reason") ?? "runtime.json gives no reason"}";
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return $"job {spec.JobId} asked for cuda but its runtime.json cannot be read to show it trained there ({ex.Message})";
        }
    }
}
