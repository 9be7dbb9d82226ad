using System.Formats.Tar;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>The local trainer package folder (quantlab_trainer/ and requirements.txt) that every job ships to its host.</summary>
public sealed class TrainerPackage
{
    public const string ModuleFolder = "quantlab_trainer";
    public const string RequirementsFile = "requirements.txt";

    private TrainerPackage(string folder, string requirements)
    {
        Folder = folder;
        Requirements = requirements;
    }

    public string Folder { get; }

    /// <summary>The requirements file (in <see cref="Folder"/>) that travels as requirements.txt, e.g. the vast pins.</summary>
    public string Requirements { get; }

    /// <summary>
    /// Validates that <paramref name="folder"/> holds quantlab_trainer/ and requirements.txt, and <paramref name="requirements"/>
    /// when another file is to be used on the host (the rented machines' exact pins).
    /// </summary>
    public static TrainerPackage FromFolder(string? folder, string requirements = RequirementsFile)
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

        if (requirements != Path.GetFileName(requirements) || !File.Exists(Path.Combine(full, requirements)))
        {
            throw new UsageException($"trainer package folder '{full}' has no requirements file '{SymbolName.Printable(requirements)}'");
        }

        return new TrainerPackage(full, requirements);
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
                await writer.WriteEntryAsync(Path.Combine(Folder, Requirements), RequirementsFile, ct).ConfigureAwait(false);
                var module = Path.Combine(Folder, ModuleFolder);
                var files = Directory.EnumerateFiles(module, "*", SearchOption.AllDirectories)
                    .Where(f => !f.Split(Path.DirectorySeparatorChar).Contains("__pycache__") && !f.EndsWith(".pyc", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    var name = Path.GetRelativePath(Folder, file).Replace(Path.DirectorySeparatorChar, '/');
                    await writer.WriteEntryAsync(file, name, ct).ConfigureAwait(false);
                }
            }
        }
    }
}
