namespace QuantLab.Ml.Training;

/// <summary>The trainer's command-line arguments for a job, shared by every provider so they run the same thing.</summary>
public static class TrainerCommand
{
    /// <summary>Exit codes of the Python trainer and what they mean for the operator.</summary>
    public static string DescribeExit(int code) => code switch
    {
        0 => "ok",
        2 => "bad input",
        3 => "no usable GPU for device cuda",
        4 => "exceeded its runtime limit",
        137 or -9 => "killed (out of memory?)",
        _ => $"failed with exit code {code}",
    };

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
