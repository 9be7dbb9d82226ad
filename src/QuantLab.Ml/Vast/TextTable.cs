using System.Text;

namespace QuantLab.Ml.Vast;

/// <summary>Plain-text table with padded columns, numbers right-aligned; for terminals and cron mail.</summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<bool> rightAligned, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Select(r => r.Select(Printable).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToList();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            var parts = cells.Select((c, i) => rightAligned[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
            sb.Append(string.Join("  ", parts).TrimEnd()).Append('\n');
        }

        Line(headers);
        foreach (var row in all)
        {
            Line(row);
        }

        return sb.ToString();
    }

    // Labels and locations come from Vast: keep a hostile one from moving the cursor or breaking the table.
    private static string Printable(string value) => new(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
