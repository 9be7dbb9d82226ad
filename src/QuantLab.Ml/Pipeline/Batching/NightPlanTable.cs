using System.Globalization;
using System.Text;

namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>The night's plan as the text run-daily --dry-run prints: one line per number of instances, then the chosen packing.</summary>
public static class NightPlanTable
{
    public static string Render(NightPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(string.Create(inv, $"  {"instances",9}  {"wall",8}  {"finishes",8}  {"cost $",8}  deadline {plan.Deadline:yyyy-MM-dd HH:mm} UTC"));
        foreach (var option in plan.Options)
        {
            var marker = option == plan.Chosen ? "  <- chosen" : string.Empty;
            text.AppendLine(string.Create(
                inv,
                $"  {option.Instances,9}  {Minutes(option.Wall),8}  {option.FinishesAt,8:HH:mm}  {option.CostUsd,8:F2}  {(option.MeetsDeadline ? "meets" : "misses")}{marker}"));
        }

        foreach (var instance in plan.Chosen.Assignments)
        {
            text.AppendLine(string.Create(inv, $"  instance {instance.Index + 1}: {instance.Items.Count} symbols, expected {Minutes(instance.Expected)}"));
            foreach (var item in instance.Items)
            {
                text.AppendLine(string.Create(inv, $"    {item.Symbol,-12} {item.ExpectedTrainingSeconds,8:F0} s  ({item.EstimateSource}, dataset {item.DatasetBytes / 1048576.0:F1} MiB)"));
            }
        }

        text.AppendLine("  " + plan.Reason);
        return text.ToString();
    }

    private static string Minutes(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:F1} min");
}
