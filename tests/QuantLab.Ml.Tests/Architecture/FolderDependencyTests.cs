using System.Text.RegularExpressions;
using QuantLab.Ml.Common;
using QuantLab.Ml.Tests.Operations;

namespace QuantLab.Ml.Tests.Architecture;

/// <summary>
/// The library's folders are its parts, and a part is read on its own only if no two parts lean on each other: these pin
/// that the folders form no circle (directly or through others) and that no file grows past what one sitting reads.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class FolderDependencyTests
{
    private const int MaxLines = 400;

    private static readonly string Library = OpsTestKit.RepoFile("src", "QuantLab.Ml");

    [Fact]
    public void No_two_folders_of_the_library_depend_on_each_other_directly_or_through_others()
    {
        var graph = Graph();
        Assert.True(graph.Count >= 10, $"only {graph.Count} folders found under {Library}");
        var cycles = new List<string>();
        foreach (var folder in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (PathBack(graph, folder) is { } path)
            {
                cycles.Add(string.Join(" → ", path));
            }
        }

        Assert.True(cycles.Count == 0, "folders in a circle:\n" + string.Join("\n", cycles.Distinct(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_dependency_reader_sees_qualified_references_as_well_as_usings()
    {
        // Guards the test above against reading too little: Pipeline uses Storage both ways.
        var pipeline = Graph()["Pipeline"];
        Assert.Contains("Storage", pipeline);
        Assert.Contains("Common", pipeline);
        Assert.Equal(["Reaping"], References("namespace QuantLab.Ml.Operations;\nvar k = Reaping.OrphanRules.JobKey(id);", KnownTypes()));
        Assert.Empty(References("namespace QuantLab.Ml.Pipeline;\nvar x = context.Data.Read(); var y = options.Storage;", KnownTypes()));
    }

    [Fact]
    public void No_source_file_of_the_library_or_the_command_line_is_longer_than_one_sitting()
    {
        var src = OpsTestKit.RepoFile("src");
        var tooLong = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Select(f => (File: Path.GetRelativePath(src, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"files over {MaxLines} lines:\n" + string.Join("\n", tooLong));
    }

    /// <summary>Top-level folder → the other top-level folders its files name (usings, and references qualified by a folder).</summary>
    private static Dictionary<string, HashSet<string>> Graph()
    {
        var known = KnownTypes();
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Library, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(f)))
        {
            var relative = Path.GetRelativePath(Library, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length < 2)
            {
                continue;
            }

            var folder = parts[0];
            if (!graph.TryGetValue(folder, out var deps))
            {
                graph[folder] = deps = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var dep in References(File.ReadAllText(file), known).Where(d => d != folder))
            {
                deps.Add(dep);
            }
        }

        return graph;
    }

    /// <summary>The top-level folders a file refers to, from its usings, fully qualified names and names qualified by a folder.</summary>
    private static IReadOnlyList<string> References(string source, Dictionary<string, HashSet<string>> known)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Qualified().Matches(source))
        {
            found.Add(m.Groups["folder"].Value);
        }

        foreach (Match m in FolderDotType().Matches(source))
        {
            var folder = m.Groups["folder"].Value;
            if (known.TryGetValue(folder, out var types) && types.Contains(m.Groups["type"].Value))
            {
                found.Add(folder);
            }
        }

        var own = OwnNamespace().Match(source) is { Success: true } ns ? ns.Groups["folder"].Value : null;
        found.Remove(own ?? string.Empty);
        return [.. found];
    }

    /// <summary>Top-level folder (namespace under QuantLab.Ml) → the names of the types and sub-namespaces directly under it.</summary>
    private static Dictionary<string, HashSet<string>> KnownTypes()
    {
        var known = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in typeof(Json).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith("QuantLab.Ml.", StringComparison.Ordinal) == true))
        {
            var path = type.Namespace!["QuantLab.Ml.".Length..].Split('.');
            if (!known.TryGetValue(path[0], out var names))
            {
                known[path[0]] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.Add(path.Length > 1 ? path[1] : type.Name.Split('`')[0]);
        }

        return known;
    }

    /// <summary>A path from a folder's dependencies back to itself, or null.</summary>
    private static List<string>? PathBack(Dictionary<string, HashSet<string>> graph, string start)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>(graph[start].Order(StringComparer.Ordinal).Select(d => { previous[d] = start; return d; }));
        while (queue.TryDequeue(out var node))
        {
            if (node == start)
            {
                var path = new List<string> { start };
                for (var at = previous[start]; at != start; at = previous[at])
                {
                    path.Insert(1, at);
                }

                path.Add(start);
                return path;
            }

            foreach (var next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (previous.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    [GeneratedRegex(@"\bQuantLab\.Ml\.(?<folder>[A-Z]\w*)")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"(?<![\w.])(?<folder>[A-Z]\w*)\.(?<type>[A-Z]\w*)")]
    private static partial Regex FolderDotType();

    [GeneratedRegex(@"^namespace QuantLab\.Ml\.(?<folder>[A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex OwnNamespace();
}
