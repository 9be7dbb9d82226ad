namespace QuantLab.Ml.Common;

/// <summary>A secret value (API key, password) whose ToString and JSON form never reveal it.</summary>
public sealed class Secret
{
    private readonly string value;

    public Secret(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        this.value = value;
    }

    /// <summary>The real value; call only where it is sent to its one destination.</summary>
    public string Reveal() => value;

    /// <summary>Replaces every occurrence of the secret in <paramref name="text"/> with ***.</summary>
    public string Mask(string text) => text.Replace(value, "***", StringComparison.Ordinal);

    public override string ToString() => "***";
}
