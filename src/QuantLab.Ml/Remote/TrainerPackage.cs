using System.Formats.Tar;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>The local trainer package folder (quantlab_trainer/ and requirements.txt) that every job ships to its host.</summary>
public sealed class TrainerPackage
{
    public const string ModuleFolder = "quantlab_trainer";
    public const string RequirementsFile = "requirements.txt";

    private TrainerPackage(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>Validates that <paramref name="folder"/> holds quantlab_trainer/ and requirements.txt.</summary>
    public static TrainerPackage FromFolder(string? folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new UsageException("no trainer package folder given (the folder holding quantlab_trainer/ and requirements.txt)");
        }

        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(Path.Combine(full, ModuleFolder)) || !File.Exists(Path.Combine(full, RequirementsFile)))
        {
            throw new UsageException($"trainer package folder '{full}' must contain {ModuleFolder}/ and {RequirementsFile}");
        }

        return new TrainerPackage(full);
    }

    /// <summary>Writes requirements.txt and the module's files (no caches) into one tar, so the package travels as one verified transfer.</summary>
    internal async Task WriteTarAsync(string tarPath, CancellationToken ct)
    {
        var stream = File.Create(tarPath);
        await using (stream)
        {
            var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: false);
            await using (writer)
            {
                await writer.WriteEntryAsync(Path.Combine(Folder, RequirementsFile), RequirementsFile, ct);
                var module = Path.Combine(Folder, ModuleFolder);
                var files = Directory.EnumerateFiles(module, "*", SearchOption.AllDirectories)
                    .Where(f => !f.Split(Path.DirectorySeparatorChar).Contains("__pycache__") && !f.EndsWith(".pyc", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    var name = Path.GetRelativePath(Folder, file).Replace(Path.DirectorySeparatorChar, '/');
                    await writer.WriteEntryAsync(file, name, ct);
                }
            }
        }
    }
}
