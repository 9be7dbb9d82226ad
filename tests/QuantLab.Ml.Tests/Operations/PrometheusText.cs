using System.Globalization;
using System.Text.RegularExpressions;

namespace QuantLab.Ml.Tests.Operations;

/// <summary>A strict reader of the Prometheus text format, as node_exporter's textfile collector parses it: it fails on what a scrape would reject.</summary>
internal static partial class PrometheusText
{
    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)""")]
    private static partial Regex Label();

    public static IReadOnlyList<PromSample> Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var samples = new List<PromSample>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "gauge", "counter", "untyped", "summary", "histogram" });
                Assert.True(types.TryAdd(parts[2], parts[3]), $"TYPE of {parts[2]} given twice");
                continue;
            }

            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            var name = m.Groups[1].Value;
            Assert.True(types.ContainsKey(name), $"{name} has no TYPE before its samples");
            if (current != name)
            {
                Assert.True(current is null || finished.Add(current), $"{current} appears in two places");
                Assert.DoesNotContain(name, finished);
                current = name;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var labelText = m.Groups[2].Value;
            var at = 0;
            while (at < labelText.Length)
            {
                var l = Label().Match(labelText, at);
                Assert.True(l.Success, $"bad labels in: {line}");
                Assert.True(labels.TryAdd(l.Groups[1].Value, l.Groups[2].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)));
                at += l.Length;
            }

            Assert.True(double.TryParse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || m.Groups[3].Value is "+Inf" or "-Inf" or "NaN", $"bad value in: {line}");
            samples.Add(new PromSample(name, labels, value));
        }

        return samples;
    }

    public static double Value(this IReadOnlyList<PromSample> samples, string name, params (string Key, string Value)[] labels) =>
        Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Value;
}

/// <summary>One parsed sample.</summary>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
