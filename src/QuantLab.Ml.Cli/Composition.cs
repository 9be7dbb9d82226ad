using Amazon.S3;
using QuantLab.Ml.Common;
using QuantLab.Ml.Compute.Local;
using QuantLab.Ml.Compute.Ssh;
using QuantLab.Ml.Compute.Vast;
using QuantLab.Ml.Configuration;
using QuantLab.Ml.Data;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Cli;

/// <summary>Builds the parts a command needs from validated configuration (the only place that picks implementations).</summary>
internal static class Composition
{
    // One HttpClient for the process (sockets are reused); the Vast client owns per-call timeouts, so this one has none.
    private static readonly HttpClient VastHttp = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Section Vast of the validated configuration (VAST_API_URL already applied by the loader).</summary>
    public static VastOptions VastOptions(CommandContext ctx) => ctx.Options.Vast;

    /// <summary>A Vast client; with <paramref name="requireKey"/> false a missing key only limits it to the offer search.</summary>
    public static VastClient VastClient(CommandContext ctx, bool requireKey)
    {
        var options = VastOptions(ctx);
        Func<string, string?> env = key => ctx.Host.Environment.GetValueOrDefault(key);
        var key = requireKey ? VastApiKey.Require(env, options) : VastApiKey.Resolve(env, options);
        return new VastClient(VastHttp, options, key, ctx.Time, ctx.Log);
    }

    public static IArtifactStore Store(CommandContext ctx)
    {
        var root = ctx.Options.StoreRoot;
        return S3Root.IsS3Uri(root)
            ? new S3ArtifactStore(S3Client(ctx), S3Root.Parse(root, "--store"), ctx.Options.S3, ctx.Time)
            : new FolderArtifactStore(root, ctx.Time);
    }

    /// <summary>The compact data source of --data / DataRoot; S3 downloads are cached under &lt;WorkDir&gt;/cache by sha256.</summary>
    public static ICompactDataSource Data(CommandContext ctx) =>
        DataSourceFactory.Open(
            ctx.Options.DataRoot,
            location => new S3DataSource(S3Client(ctx), location, ctx.Options.S3, Path.Combine(ctx.Options.EffectiveWorkDir, "cache")));

    /// <summary>An S3 client from configuration section S3 and the host's environment snapshot (never the process's).</summary>
    private static AmazonS3Client S3Client(CommandContext ctx)
    {
        var settings = S3ClientFactory.Resolve(ctx.Options.S3, ctx.Host.Environment);
        ctx.Log.Debug("S3 client: {S3Client}", settings.Describe());
        return S3ClientFactory.Create(ctx.Options.S3, ctx.Host.Environment);
    }

    public static ModelRegistry Registry(CommandContext ctx) => new(Store(ctx), ctx.Time);

    /// <summary>
    /// The store for commands that judge live machines by its records (reap-orphans, status). A store nobody named (no
    /// --store, no StoreRoot in the environment or a configuration file) that has never recorded a run is most likely the
    /// wrong one, e.g. ./.quantlab of the folder the command was started in: every live machine would look unowned.
    /// Throws <see cref="UsageException"/> (exit 2) then, naming the store looked at and how to name the right one.
    /// </summary>
    public static async Task<IArtifactStore> KnownStoreAsync(CommandContext ctx, CancellationToken ct)
    {
        var store = Store(ctx);
        if (ctx.Config.Raw["StoreRoot"] is not null)
        {
            return store;
        }

        var recorded = await store.ListAsync("runs/", ct).ConfigureAwait(false);
        if (recorded.Count > 0)
        {
            return store;
        }

        throw new UsageException(
            $"the store {store.Root} (the default StoreRoot, as no --store, QUANTLAB_StoreRoot or configuration file named one"
            + $"{(ctx.Config.File is null ? string.Empty : " in " + ctx.Config.File)}) has never recorded a run, so every machine would look unowned; "
            + "name the store your runs use with --store, QUANTLAB_StoreRoot or QUANTLAB_CONFIG=/etc/quantlab-ml/quantlab-ml.json");
    }

    public static IComputeProvider Provider(CommandContext ctx) => ctx.Options.Provider switch
    {
        ComputeProviderKind.Local => new LocalComputeProvider(ctx.Options.Trainer, ctx.Time, ctx.Log),
        ComputeProviderKind.Ssh => new SshComputeProvider(
            ctx.Options.Ssh,
            TrainerPackage.FromFolder(ctx.Options.Trainer.ResolvePackageDir()),
            ctx.Time,
            ctx.Log),
        ComputeProviderKind.Vast => new VastComputeProvider(
            VastClient(ctx, requireKey: false),
            OfferQuery.FromOptions(VastOptions(ctx)),
            ctx.Options.Rental,
            new RemoteJobRunner(
                TrainerPackage.FromFolder(ctx.Options.Trainer.ResolvePackageDir(), ctx.Options.Rental.Requirements),
                ctx.Options.Remote,
                ctx.Time,
                ctx.Log),
            new InstanceRecords(Store(ctx)),
            Path.GetFileName(ctx.RunDir ?? "no-run"),
            ctx.Time,
            ctx.Log)
        {
            Budget = Budget(ctx),
        },
        var other => throw new UsageException($"provider '{other}' is not available"),
    };

    /// <summary>A Vast client from section Vast (VAST_API_URL overrides the base URL) with the key from VAST_API_KEY or Vast:ApiKeyFile.</summary>
    /// <summary>A Vast client that must be able to change things (reaper, instances): a missing key is a usage error.</summary>
    public static VastClient Vast(CommandContext ctx) => VastClient(ctx, requireKey: true);

    /// <summary>Live instances for `status` and the night's metrics: our labelled Vast instances; null without a key.</summary>
    public static ILiveInstanceSource? LiveInstances(CommandContext ctx)
    {
        var client = VastClient(ctx, requireKey: false);
        return client.HasApiKey ? new VastLiveInstanceSource(client) : null;
    }

    /// <summary>The reaper a renting provider's night runs first; null without a Vast key (nothing could be listed or destroyed).</summary>
    private static LeftoverReaping? Leftovers(CommandContext ctx)
    {
        var client = VastClient(ctx, requireKey: false);
        return client.HasApiKey
            ? new LeftoverReaping(new OrphanReaper(client, Store(ctx), ctx.Time, ctx.Log), ReapRequest.For(Budget(ctx), client.Options.LabelPrefix))
            : null;
    }

    /// <summary>The time model of this configuration (OptionsValidator has already checked that its budgets fit).</summary>
    public static TimeBudget Budget(CommandContext ctx) => TimeBudget.From(ctx.Options);

    public static EvaluationConfig Evaluation(CommandContext ctx) =>
        EvaluationConfig.For(ctx.Options.Dataset, ctx.Options.Evaluation.CostBps) with
        {
            IncludeSpread = ctx.Options.Evaluation.IncludeSpread,
            HacLag = ctx.Options.Evaluation.HacLag,
        };

    public static Task<PipelineContext> PipelineAsync(CommandContext ctx, CancellationToken ct)
    {
        _ = ct;
        var provider = Provider(ctx);
        return Task.FromResult(new PipelineContext
        {
            Options = ctx.Options,
            Data = Data(ctx),
            Registry = Registry(ctx),
            Provider = provider,
            Evaluation = Evaluation(ctx),
            Policy = ctx.Options.Promotion,
            Time = ctx.Time,
            Log = ctx.Log,
            RunDir = ctx.RunDir ?? throw new InvalidOperationException("run-daily needs a run folder"),
            Leftovers = provider.RentsMachines ? Leftovers(ctx) : null,

            // Checked at start when renting; every provider takes its lock's life and cleanup bounds from it.
            Budget = Budget(ctx),
        });
    }
}
