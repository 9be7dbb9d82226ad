using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Pipeline;

/// <summary>A champion re-scored by another XGBoost major.minor than the one that wrote it is named as not like for like.</summary>
[Trait("Category", "Unit")]
public sealed class ChampionRescoreVersionTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private string Runtime(string rescore)
    {
        var path = temp.Combine("runtime.json");
        File.WriteAllText(path, $$"""{"status":"ok","xgboost_version":"3.0.3","production_rescore":{{rescore}}}""");
        return path;
    }

    [Fact]
    public void Another_minor_is_not_like_for_like_and_the_record_names_both_versions()
    {
        var why = EvaluateStep.VersionMismatch(Runtime("""{"status":"ok","reason":"","model_xgboost_version":"3.1.2","scorer_xgboost_version":"3.0.3","like_for_like":false}"""));

        Assert.Equal("not like for like: the champion was written by XGBoost 3.1.2 and re-scored by XGBoost 3.0.3", why);
    }

    [Theory]
    [InlineData("""{"status":"ok","reason":"","model_xgboost_version":"3.0.1","scorer_xgboost_version":"3.0.3","like_for_like":true}""")]
    [InlineData("""{"status":"ok","reason":"","model_xgboost_version":null,"scorer_xgboost_version":"3.0.3","like_for_like":null}""")]
    [InlineData("""{"status":"ok","reason":""}""")]
    public void The_same_minor_or_an_unknown_writer_adds_nothing(string rescore)
    {
        Assert.Null(EvaluateStep.VersionMismatch(Runtime(rescore)));
    }
}
