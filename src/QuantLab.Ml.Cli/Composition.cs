using QuantLab.Ml.Common;
using QuantLab.Ml.Data;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;
using QuantLab.Ml.Training.Providers;

namespace QuantLab.Ml.Cli;

/// <summary>Builds the parts a command needs from validated configuration (the only place that picks implementations).</summary>
internal static class Composition
{
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
