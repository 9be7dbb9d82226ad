using ScottPlot;

namespace QuantLab.Ml.Reporting;

/// <summary>The report's PNG charts, drawn with ScottPlot: equity, drawdown, calibration and feature importance.</summary>
public static class ReportCharts
{
    public const string EquityFile = "equity.png";
    public const string DrawdownFile = "drawdown.png";
    public const string CalibrationFile = "calibration.png";
    public const string ImportanceFile = "importance.png";

    private const int Width = 900;
    private const int Height = 420;

    // DejaVu Sans ships with Debian's fonts-dejavu-core; ScottPlot falls back to any installed font when it is missing.
    private const string FontName = "DejaVu Sans";

    private static readonly Color CandidateColor = Color.FromHex("#1f77b4");
    private static readonly Color ChampionColor = Color.FromHex("#ff7f0e");
    private static readonly Color BaselineColor = Color.FromHex("#7f7f7f");
    private static readonly Color ImbalanceColor = Color.FromHex("#2ca02c");

    /// <summary>Writes every chart into <paramref name="dir"/> and returns the file names written.</summary>
    public static IReadOnlyList<string> Write(ReportData data, string dir)
    {
        ArgumentNullException.ThrowIfNull(data);
        Save(Equity(data), Path.Combine(dir, EquityFile));
        Save(Drawdown(data), Path.Combine(dir, DrawdownFile));
        Save(CalibrationChart(data), Path.Combine(dir, CalibrationFile));
        Save(Importance(data), Path.Combine(dir, ImportanceFile), height: Math.Max(Height, 60 + (22 * Math.Min(data.FeatureImportance.Count, 30))));
        return [EquityFile, DrawdownFile, CalibrationFile, ImportanceFile];
    }

    /// <summary>Equity (growth of 1) after each period, starting at 1 before the first.</summary>
    public static double[] EquityCurve(IReadOnlyList<double> returns)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var equity = new double[returns.Count + 1];
        equity[0] = 1;
        for (var i = 0; i < returns.Count; i++)
        {
            equity[i + 1] = equity[i] * (1 + returns[i]);
        }

        return equity;
    }

    /// <summary>Fall from the running peak of <see cref="EquityCurve"/>, as a fraction (≥ 0) at each point.</summary>
    public static double[] DrawdownCurve(IReadOnlyList<double> returns)
    {
        var equity = EquityCurve(returns);
        var drawdown = new double[equity.Length];
        var peak = equity[0];
        for (var i = 0; i < equity.Length; i++)
        {
            peak = Math.Max(peak, equity[i]);
            drawdown[i] = (peak - equity[i]) / peak;
        }

        return drawdown;
    }

    private static Plot Equity(ReportData data)
    {
        var plot = NewPlot("Net equity over the test window (taker fills: spread + fee)", "time (UTC)", "return since start (%)");
        var times = Times(data);
        AddLine(plot, times, EquityCurve(data.CandidateReturns).Select(e => (e - 1) * 100).ToArray(), "candidate", CandidateColor);
        if (data.ChampionReturns is { Count: > 0 } champion && champion.Count == data.CandidateReturns.Count)
        {
            AddLine(plot, times, EquityCurve(champion).Select(e => (e - 1) * 100).ToArray(), "champion (same window)", ChampionColor);
        }

        AddLine(plot, times, EquityCurve(data.BaselineReturns).Select(e => (e - 1) * 100).ToArray(), "no position", BaselineColor);
        if (data.ImbalanceReturns is { Count: > 0 } imbalance && imbalance.Count == data.CandidateReturns.Count)
        {
            AddLine(plot, times, EquityCurve(imbalance).Select(e => (e - 1) * 100).ToArray(), "imbalance sign (same execution)", ImbalanceColor);
        }

        plot.Axes.DateTimeTicksBottom();
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Drawdown(ReportData data)
    {
        var plot = NewPlot("Drawdown from the running peak", "time (UTC)", "drawdown (%)");
        var times = Times(data);
        AddLine(plot, times, DrawdownCurve(data.CandidateReturns).Select(d => -d * 100).ToArray(), "candidate", CandidateColor);
        if (data.ChampionReturns is { Count: > 0 } champion && champion.Count == data.CandidateReturns.Count)
        {
            AddLine(plot, times, DrawdownCurve(champion).Select(d => -d * 100).ToArray(), "champion (same window)", ChampionColor);
        }

        plot.Axes.DateTimeTicksBottom();
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }

    private static Plot CalibrationChart(ReportData data)
    {
        var plot = NewPlot("Calibration of the predicted probabilities (test part)", "predicted probability", "observed frequency");
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.Color = BaselineColor;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfectly calibrated";
        foreach (var (name, color) in new[] { ("up", CandidateColor), ("down", ChampionColor) })
        {
            var bins = data.Calibration.Where(b => b.Class == name).ToList();
            if (bins.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(bins.Select(b => b.MeanPredicted).ToArray(), bins.Select(b => b.ObservedRate).ToArray());
            line.LegendText = "P(" + name + ")";
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Importance(ReportData data)
    {
        var plot = NewPlot("Feature importance (gain)", "average gain per split", string.Empty);
        var top = data.FeatureImportance.OrderByDescending(f => f.Gain).Take(30).Reverse().ToList();
        if (top.Count == 0)
        {
            plot.Add.Annotation("the trainer reported no feature importance");
            return plot;
        }

        var bars = plot.Add.Bars(top.Select(f => f.Gain).ToArray());
        bars.Horizontal = true;
        bars.Color = CandidateColor;
        var ticks = top.Select((f, i) => new Tick(i, f.Name)).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.02, top: 0.02);
        return plot;
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 0;
    }

    // One x per equity point: the start of each period, then the end of the last one.
    private static double[] Times(ReportData data)
    {
        var starts = data.PeriodStartMs;
        var times = new double[data.CandidateReturns.Count + 1];
        for (var i = 0; i < times.Length; i++)
        {
            long ms;
            if (i < starts.Count)
            {
                ms = starts[i];
            }
            else if (starts.Count >= 2)
            {
                ms = starts[^1] + (starts[^1] - starts[^2]);
            }
            else
            {
                ms = starts.Count == 1 ? starts[0] : 0;
            }

            times[i] = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToOADate();
        }

        return times;
    }

    private static void Save(Plot plot, string path, int height = Height) => plot.SavePng(path, Width, height);
}
