namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Argument checks shared by the packer and the planner, so a bad estimate fails loudly instead of skewing the night.</summary>
internal static class BatchInputs
{
    public static void Validate(IReadOnlyList<BatchItem> items, string paramName)
    {
        ArgumentNullException.ThrowIfNull(items, paramName);
        var jobIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is null)
            {
                throw new ArgumentException("A batch item is null.", paramName);
            }

            ArgumentException.ThrowIfNullOrEmpty(item.Symbol, paramName);
            ArgumentException.ThrowIfNullOrEmpty(item.JobId, paramName);
            if (item.DatasetBytes < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, item.DatasetBytes, $"Job {item.JobId}: dataset bytes must not be negative.");
            }

            if (!double.IsFinite(item.ExpectedTrainingSeconds) || item.ExpectedTrainingSeconds < 0)
            {
                throw new ArgumentOutOfRangeException(
                    paramName, item.ExpectedTrainingSeconds, $"Job {item.JobId}: expected training seconds must be finite and not negative.");
            }

            // Placing "every item exactly once" means nothing if two items are the same job.
            if (!jobIds.Add(item.JobId))
            {
                throw new ArgumentException($"Job {item.JobId} appears twice.", paramName);
            }
        }
    }

    public static void Validate(NightCostModel cost, string paramName)
    {
        ArgumentNullException.ThrowIfNull(cost, paramName);
        NotNegative(cost.DollarsPerHour, paramName, "dollars per hour");
        NotNegative(cost.UploadUsdPerGb, paramName, "upload $/GB");
        if (cost.InstanceSetup < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, cost.InstanceSetup, "Instance setup must not be negative.");
        }

        if (cost.PerJobOverhead < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, cost.PerJobOverhead, "Per-job overhead must not be negative.");
        }
    }

    public static void NotNegative(double value, string paramName, string what)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"The {what} must be finite and not negative.");
        }
    }
}
