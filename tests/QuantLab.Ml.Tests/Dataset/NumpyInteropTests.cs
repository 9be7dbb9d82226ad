using QuantLab.Ml.Tests.Support;
using System.Globalization;
using System.Text.Json;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Integration")]
public sealed class NumpyInteropTests
{
    private static readonly DatasetConfig Config = TickSeries.SmallConfig;

    [Fact]
    public async Task Numpy_loads_the_dataset_with_the_expected_dtypes_shapes_names_and_values()
    {
        using var dir = new TempDir();
        var ct = TestContext.Current.CancellationToken;
        var ticks = TickSeries.RandomWalk(6_000, seed: 31);
        var built = DatasetBuilder.Build(ticks, Config, dir.Path, ct);
        var bars = BarBuilder.Build(ticks, Config.BarSeconds);
        var features = FeatureBuilder.Build(bars, Config);
        var labels = LabelBuilder.Build(bars, Config);
        var split = SplitPlan.Create(features.Rows, Config);

        const string script = """
            import json, sys
            import numpy as np
            with np.load(sys.argv[1], allow_pickle=False) as z:
                out = {k: {"dtype": z[k].dtype.str, "shape": list(z[k].shape), "values": z[k].ravel().tolist()} for k in z.files}
                out["_files"] = list(z.files)
            print(json.dumps(out))
            """;
        var json = JsonDocument.Parse(await NumpyPython.RunAsync(script, [built.NpzPath], ct)).RootElement;

        Assert.Equal(["X_train", "y_train", "X_valid", "y_valid", "X_test", "feature_names"], json.GetProperty("_files").EnumerateArray().Select(e => e.GetString()));
        foreach (var (part, rows) in new[] { ("train", split.Train), ("valid", split.Valid), ("test", split.Test) })
        {
            var x = json.GetProperty("X_" + part);
            Assert.Equal("<f4", x.GetProperty("dtype").GetString());
            Assert.Equal([rows.Count, features.Columns], x.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(features.RowSpan(rows.Start, rows.Count), x.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray());
        }

        foreach (var (part, rows) in new[] { ("train", split.Train), ("valid", split.Valid) })
        {
            var y = json.GetProperty("y_" + part);
            Assert.Equal("<i4", y.GetProperty("dtype").GetString());
            Assert.Equal([rows.Count], y.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(labels.Classes.AsSpan(rows.Start, rows.Count).ToArray(), y.GetProperty("values").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }

        var names = json.GetProperty("feature_names");
        Assert.Equal("<U" + features.Names.Max(n => n.Length).ToString(CultureInfo.InvariantCulture), names.GetProperty("dtype").GetString());
        Assert.Equal(features.Names, names.GetProperty("values").EnumerateArray().Select(e => e.GetString()));
        Assert.False(json.TryGetProperty("y_test", out _));
    }

    [Fact]
    public async Task Reads_predictions_and_labels_that_numpy_wrote()
    {
        using var dir = new TempDir();
        const string script = """
            import sys
            import numpy as np
            d = sys.argv[1]
            p = (np.arange(17 * 3, dtype=np.float64) / 7.0 - 3.0).reshape(17, 3)
            np.save(d + "/predictions.npy", p.astype("<f4"))
            np.save(d + "/labels.npy", (np.arange(11) % 3 - 1).astype("<i4"))
            """;

        await NumpyPython.RunAsync(script, [dir.Path], TestContext.Current.CancellationToken);
        var predictions = NpyReader.ReadFloat32Matrix(dir.File("predictions.npy"));
        var labels = NpyReader.ReadInt32Vector(dir.File("labels.npy"));

        Assert.Equal((17, 3), (predictions.Rows, predictions.Columns));
        for (int r = 0; r < 17; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal((float)((((r * 3) + c) / 7.0) - 3.0), predictions[r, c]);
            }
        }

        Assert.Equal(Enumerable.Range(0, 11).Select(i => (i % 3) - 1), labels);
    }

    [Theory]
    [InlineData("np.zeros((4, 3), dtype='>f4')", "dtype '>f4'")]
    [InlineData("np.zeros((4, 3), dtype='<f8')", "dtype '<f8'")]
    [InlineData("np.asfortranarray(np.zeros((4, 3), dtype='<f4'))", "Fortran order")]
    [InlineData("np.zeros(12, dtype='<f4')", "shape (12,)")]
    [InlineData("np.zeros((4, 3), dtype='<i8')", "dtype '<i8'")]
    public async Task Rejects_predictions_numpy_wrote_in_another_dtype_order_or_rank(string array, string complaint)
    {
        using var dir = new TempDir();
        string path = dir.File("predictions.npy");
        await NumpyPython.RunAsync($"import sys\nimport numpy as np\nnp.save(sys.argv[1], {array})", [path], TestContext.Current.CancellationToken);

        var ex = Assert.Throws<NpyFormatException>(() => NpyReader.ReadFloat32Matrix(path));

        Assert.Contains(complaint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'<f4'", ex.Message, StringComparison.Ordinal);
    }
}
