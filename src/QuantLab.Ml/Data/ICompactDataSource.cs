namespace QuantLab.Ml.Data;

/// <summary>Where the compacted market data lives (a local folder now, an S3 bucket later); keys are '/'-separated and relative to <see cref="Root"/>.</summary>
public interface ICompactDataSource
{
    /// <summary>Human-readable location of the data, used in messages (a folder path or s3://bucket/prefix).</summary>
    string Root { get; }

    /// <summary>The UTF-8 text stored under <paramref name="key"/>, or null when there is no such object.</summary>
    Task<string?> ReadTextAsync(string key, CancellationToken ct);

    /// <summary>Size in bytes of the object under <paramref name="key"/>, or null when there is no such object.</summary>
    Task<long?> GetSizeAsync(string key, CancellationToken ct);

    /// <summary>A local file holding the object's bytes (the file itself for a folder source, a downloaded copy for remote sources).</summary>
    Task<string> GetLocalFileAsync(string key, CancellationToken ct);
}
