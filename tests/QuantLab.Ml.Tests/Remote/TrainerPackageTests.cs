using System.Formats.Tar;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;

namespace QuantLab.Ml.Tests.Remote;

[Trait("Category", "Unit")]
public sealed class TrainerPackageTests
{
    [Fact]
    public async Task The_bundle_tar_holds_requirements_and_module_sources_but_no_caches()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("quantlab-pkg-test-").FullName;
        try
        {
            var package = MakePackage(dir);
            var module = Path.Combine(dir, "pkg", "quantlab_trainer");
            Directory.CreateDirectory(Path.Combine(module, "__pycache__"));
            await File.WriteAllTextAsync(Path.Combine(module, "__pycache__", "cli.cpython-311.pyc"), "x", ct);
            Directory.CreateDirectory(Path.Combine(module, "sub"));
            await File.WriteAllTextAsync(Path.Combine(module, "sub", "deep.py"), "x = 1\n", ct);
            var tar = Path.Combine(dir, "pkg.tar");

            await package.WriteTarAsync(tar, ct);

            var names = new List<string>();
            await using (var reader = new TarReader(File.OpenRead(tar)))
            {
                while (await reader.GetNextEntryAsync(cancellationToken: ct) is { } entry)
                {
                    names.Add(entry.Name);
                }
            }

            Assert.Equal(["requirements.txt", "quantlab_trainer/__main__.py", "quantlab_trainer/sub/deep.py"], names);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_folder_without_the_module_is_refused()
    {
        var error = Assert.Throws<UsageException>(() => TrainerPackage.FromFolder("/nonexistent/python"));

        Assert.Contains("must contain quantlab_trainer/ and requirements.txt", error.Message, StringComparison.Ordinal);
    }

    internal static TrainerPackage MakePackage(string dir)
    {
        var pkg = Path.Combine(dir, "pkg");
        Directory.CreateDirectory(Path.Combine(pkg, "quantlab_trainer"));
        File.WriteAllText(Path.Combine(pkg, "requirements.txt"), "numpy\n");
        File.WriteAllText(Path.Combine(pkg, "quantlab_trainer", "__main__.py"), "print('hi')\n");
        return TrainerPackage.FromFolder(pkg);
    }
}
