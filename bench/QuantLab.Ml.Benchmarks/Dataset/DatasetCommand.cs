using System.Globalization;

namespace QuantLab.Ml.Benchmarks.Dataset;

/// <summary>
/// `dataset --json &lt;file&gt; [--days 1,7] [--repeat 5]`: writes synthetic days into a temporary folder, measures each window
/// with <see cref="WindowMeasurement"/>, prints the table and writes the rows as JSON. The folder is deleted afterwards.
/// </summary>
internal static class DatasetCommand
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? json = null;
        int[] windows = [1, 7];
        var repeat = 5;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--json" when value is not null:
                    json = value;
                    break;
                case "--days" when value is not null:
                    windows = [.. value.Split(',').Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))];
                    break;
                case "--repeat" when value is not null:
                    repeat = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                default:
                    await Console.Error.WriteLineAsync($"dataset: unexpected argument '{args[i]}'");
                    return 2;
            }

            i++;
        }

        if (json is null || repeat < 5 || windows.Length == 0 || windows.Any(d => d is < 1 or > 31))
        {
            await Console.Error.WriteLineAsync("usage: dataset --json <file> [--days 1,7] [--repeat N>=5] (windows of 1..31 days)");
            return 2;
        }

        var temp = Directory.CreateTempSubdirectory("quantlab-bench-");
        try
        {
            Console.Error.WriteLine($"writing {windows.Max()} synthetic BTCUSDT days of ~500k BBO updates into {temp.FullName}");
            var files = await SyntheticWindow.WriteAsync(Path.Combine(temp.FullName, "data"), windows.Max(), ct);
            var rows = new List<BenchRow>();
            foreach (var days in windows)
            {
                Console.Error.WriteLine($"measuring the {days}-day window ({repeat} timed repetitions)");
                var work = Directory.CreateDirectory(Path.Combine(temp.FullName, $"work-{days}")).FullName;
                rows.AddRange(await WindowMeasurement.MeasureAsync(days, [.. files.Take(days)], work, repeat, ct));
            }

            Console.WriteLine($"machine: {Machine.Describe()}");
            Console.Write(ResultTable.Format(rows));
            await BenchRow.WriteAsync(json, rows, ct);
            Console.Error.WriteLine($"wrote {rows.Count} rows to {json}");
            // A missed target is a result, shown in the table and the JSON, not a failure of the benchmark run.
            return 0;
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
