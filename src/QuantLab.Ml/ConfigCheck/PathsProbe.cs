using QuantLab.Ml.Common;
using QuantLab.Ml.Operations;

namespace QuantLab.Ml.ConfigCheck;

/// <summary>The folders a night reads and writes: data root, store, work folder, trainer package and the metrics folder.</summary>
public sealed class PathsProbe : IConfigProbe
{
    public Task<IReadOnlyList<CheckResult>> ProbeAsync(ConfigProbeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = context.Options;
        var results = new List<CheckResult> { Data(o.DataRoot), Writable("store root", o.StoreRoot, required: true) };
        if (!IsRemote(o.EffectiveWorkDir))
        {
            results.Add(Writable("work folder", Path.GetFullPath(o.EffectiveWorkDir), required: true));
        }

        try
        {
            results.Add(CheckResult.Ok("trainer package", o.Trainer.ResolvePackageDir()));
        }
        catch (UsageException ex)
        {
            results.Add(CheckResult.Fail("trainer package", ex.Message));
        }

        results.Add(o.Metrics.Enabled
            ? Writable("metrics folder", o.Metrics.TextfileDir!, required: false)
            : CheckResult.Warn("metrics folder", "Metrics:TextfileDir is not set: no Prometheus textfile after runs"));
        return Task.FromResult<IReadOnlyList<CheckResult>>(results);
    }

    private static bool IsRemote(string root) => root.Contains("://", StringComparison.Ordinal);

    private static CheckResult Data(string root)
    {
        if (IsRemote(root))
        {
            return CheckResult.Skipped("data root", $"{root}: checked by the s3 probe below");
        }

        if (FolderAccess.CannotRead(root) is { } problem)
        {
            return CheckResult.Fail("data root", problem);
        }

        return File.Exists(Path.Combine(root, "compacted", "_state.json"))
            ? CheckResult.Ok("data root", $"{root} (compacted/_state.json present)")
            : CheckResult.Warn("data root", $"{root} has no compacted/_state.json yet: every night will be 'not ready' until the compaction writes it");
    }

    private static CheckResult Writable(string name, string dir, bool required)
    {
        if (IsRemote(dir))
        {
            return CheckResult.Skipped(name, $"{dir}: checked by the s3 probe below");
        }

        return FolderAccess.CannotWrite(dir) is { } problem
            ? CheckResult.FailIf(required, name, problem)
            : CheckResult.Ok(name, Directory.Exists(dir) ? $"{dir} (writable)" : $"{dir} (will be created)");
    }
}
