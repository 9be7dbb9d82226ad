using Amazon.S3;
using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Training.Providers;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Cli;

/// <summary>Builds the parts a command needs from validated configuration (the only place that picks implementations).</summary>
internal static class Composition
{
    public static VastOptions VastOptions(CommandContext ctx) =>
        Ml.Vast.VastOptions.Load(ctx.Config.Raw, key => ctx.Host.Environment.GetValueOrDefault(key)).Validate();

    /// <summary>A Vast client; with <paramref name="requireKey"/> false a missing key only limits it to the offer search.</summary>
    public static VastClient VastClient(CommandContext ctx, bool requireKey)
    {
        var options = VastOptions(ctx);
        Func<string, string?> env = key => ctx.Host.Environment.GetValueOrDefault(key);
        var key = requireKey ? VastApiKey.Require(env, options) : VastApiKey.Resolve(env, options);
        var http = new HttpClient { BaseAddress = new Uri(options.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };
        return new VastClient(http, options, key, ctx.Time, ctx.Log);
    }

    public static IArtifactStore Store(CommandContext ctx)
    {
        var root = ctx.Options.StoreRoot;
        return S3Root.IsS3Uri(root)
            ? new S3ArtifactStore(S3Client(ctx), S3Root.Parse(root, "--store"), ctx.Options.S3)
            : new FolderArtifactStore(root);
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

    public static IComputeProvider Provider(CommandContext ctx) => ctx.Options.Provider switch
    {
        "local" => new LocalComputeProvider(ctx.Options.Trainer, ctx.Time, ctx.Log),
        "ssh" => new SshComputeProvider(
            SshProviderOptions.FromConfiguration(ctx.Config.Raw),
            TrainerPackage.FromFolder(ctx.Options.Trainer.ResolvePackageDir()),
            ctx.Time,
            ctx.Log),
        "vast" => new VastComputeProvider(
            VastClient(ctx, requireKey: false),
            OfferQuery.FromOptions(VastOptions(ctx)),
            VastProviderOptions.FromConfiguration(ctx.Config.Raw),
            new RemoteJobRunner(
                TrainerPackage.FromFolder(ctx.Options.Trainer.ResolvePackageDir()),
                SshProviderOptions.FromConfiguration(ctx.Config.Raw).Remote,
                ctx.Time,
                ctx.Log),
            new InstanceRecords(Store(ctx)),
            Path.GetFileName(ctx.RunDir ?? "no-run"),
            ctx.Time,
            ctx.Log),
        var other => throw new UsageException($"provider '{other}' is not available"),
    };

    public static EvaluationConfig Evaluation(CommandContext ctx) => EvaluationConfig.For(ctx.Options.Dataset, ctx.Options.Evaluation.CostBps);

    public static Task<PipelineContext> PipelineAsync(CommandContext ctx, CancellationToken ct)
    {
        _ = ct;
        return Task.FromResult(new PipelineContext
        {
            Options = ctx.Options,
            Data = Data(ctx),
            Registry = Registry(ctx),
            Provider = Provider(ctx),
            Evaluation = Evaluation(ctx),
            Policy = ctx.Options.Promotion,
            Time = ctx.Time,
            Log = ctx.Log,
            RunDir = ctx.RunDir ?? throw new InvalidOperationException("run-daily needs a run folder"),
        });
    }
}
