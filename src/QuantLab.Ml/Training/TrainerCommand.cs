namespace QuantLab.Ml.Training;

/// <summary>The trainer's command-line arguments for a job, shared by every provider so they run the same thing.</summary>
public static class TrainerCommand
{
    /// <summary>Arguments after the interpreter: -m quantlab_trainer --job … --data … --out … [--production-model … [--production-data …]].</summary>
    public static IReadOnlyList<string> Arguments(string jobFile, string datasetFile, string outputDir, string? productionModel, string? productionData = null)
    {
        var args = new List<string> { "-u", "-m", "quantlab_trainer", "--job", jobFile, "--data", datasetFile, "--out", outputDir };
        if (productionModel is not null)
        {
            args.Add("--production-model");
            args.Add(productionModel);
            if (productionData is not null)
            {
                args.Add("--production-data");
                args.Add(productionData);
            }
        }

        return args;
    }
}
