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
    // One HttpClient for the process (sockets are reused); the Vast client owns per-call timeouts, so this one has none.
    private static readonly HttpClient VastHttp = new() { Timeout = Timeout.InfiniteTimeSpan };

    public static IArtifactStore Store(CommandContext ctx)
    {
        var root = ctx.Options.StoreRoot;
        if (root.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException("S3 artifact stores are not available yet: use a folder for --store");
        }

        return new FolderArtifactStore(root);
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
        var other => throw new UsageException($"provider '{other}' is not available yet"),
    };

    /// <summary>A Vast client from section Vast (VAST_API_URL overrides the base URL) with the key from VAST_API_KEY or Vast:ApiKeyFile.</summary>
    public static VastClient Vast(CommandContext ctx)
    {
        string? Env(string key) => ctx.Host.Environment.GetValueOrDefault(key);
        var options = VastOptions.Load(ctx.Config.Raw, Env);
        return new VastClient(VastHttp, options, VastApiKey.Require(Env, options), ctx.Time, ctx.Log);
    }

    public static EvaluationConfig Evaluation(CommandContext ctx) => EvaluationConfig.For(ctx.Options.Dataset, ctx.Options.Evaluation.CostBps);

    public static Task<PipelineContext> PipelineAsync(CommandContext ctx, CancellationToken ct)
    {
        _ = ct;
        return Task.FromResult(new PipelineContext
        {
            Options = ctx.Options,
            Data = DataSourceFactory.Open(ctx.Options.DataRoot),
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
