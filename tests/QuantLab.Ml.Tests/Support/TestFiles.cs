namespace QuantLab.Ml.Tests.Support;

/// <summary>File helpers shared by test beds.</summary>
public static class TestFiles
{
    /// <summary>Copies a folder tree (without Python byte-code caches), e.g. a trainer package a test then configures.</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (!file.Contains("__pycache__", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
            }
        }
    }
}
