using System.Globalization;

namespace QuantLab.Ml.Common;

/// <summary>
/// Numbers in text a trader reads (the run report, status, alerts, the gate's reasons): invariant culture, and "n/a" for
/// a statistic that has no value. With no trades a Sharpe ratio's standard error, a deflated Sharpe ratio or a hit rate
/// is NaN, and "Sharpe 0 ± NaN" reads like a bug; JSON keeps its own rule (missing numbers are null there).
/// </summary>
public sealed class NumberText : IFormatProvider, ICustomFormatter
{
    /// <summary>Use as the provider of an interpolated string: <c>string.Create(NumberText.Invariant, $"…")</c>.</summary>
    public static readonly NumberText Invariant = new();

    private NumberText() { }

    public object? GetFormat(Type? formatType) =>
        formatType == typeof(ICustomFormatter) ? this : CultureInfo.InvariantCulture.GetFormat(formatType);

    public string Format(string? format, object? arg, IFormatProvider? formatProvider) => arg switch
    {
        double d when !double.IsFinite(d) => "n/a",
        float f when !float.IsFinite(f) => "n/a",
        IFormattable value => value.ToString(format, CultureInfo.InvariantCulture),
        null => string.Empty,
        _ => arg.ToString() ?? string.Empty,
    };
}
