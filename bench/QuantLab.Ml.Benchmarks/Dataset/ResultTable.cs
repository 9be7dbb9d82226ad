using System.Globalization;
using System.Text;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>Prints result rows as an aligned plain-text table, the way a person reads them next to the JSON.</summary>
internal static class ResultTable
{
    public static string Format(IReadOnlyList<BenchRow> rows)
    {
        string[] header = ["figure", "value", "reference", "ratio", "target", "met"];
        var cells = rows.Select(r => new[]
        {
            r.Name,
            $"{Number(r.Value)} {r.Unit}",
            r.ReferenceValue is { } reference ? $"{r.ReferenceName} {Number(reference)}" : r.ReferenceName,
            r.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "",
            r.Target,
            r.Met switch { true => "yes", false => "NO", null => "" },
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => cells.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in cells)
        {
            text.AppendJoin(" | ", row.Select((cell, c) => cell.PadRight(widths[c]))).AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Three significant digits at most, thousands separated: 1,234,567 rows/s or 12.3 MB.</summary>
    public static string Number(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
