namespace QuantLab.Ml.Remote;

/// <summary>
/// Where one job lives on the host (its folder under the remote root) and the names of the files the runner, the
/// launcher and the trainer share there.
/// </summary>
internal sealed record RemoteJobLayout(string Root, string JobDir, string LogName)
{
    public const string JobFile = "job.json";
    public const string DatasetFile = "dataset.npz";
    public const string ProductionModelFile = "production_model.bin";
    public const string ProductionDataFile = "production_data.npz";
    public const string PackageTar = "pkg.tar";
    public const string ConsoleLog = "console.log";
    public const string LauncherLog = "launcher.log";
    public const string Manifest = "manifest.sha256";
    public const string OutputFolder = "out";

    /// <summary>The host's shared Python environments (one per requirements hash), beside the job folders.</summary>
    public string EnvsDir => Root + "/envs";

    /// <summary>The trainer's --out folder on the host.</summary>
    public string OutputDir => Path(OutputFolder);

    public string Path(string relative) => JobDir + "/" + relative;
}
