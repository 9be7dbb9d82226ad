using QuantLab.Ml.Configuration;

namespace QuantLab.Ml.Operations;

/// <summary>Writes the textfile atomically: node_exporter must never scrape a half-written file.</summary>
public static class MetricsTextfileWriter
{
    public static async Task<string> WriteAsync(MetricsOptions options, string content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = options.Validate().TextfileDir ?? throw new InvalidOperationException("Metrics:TextfileDir is not set");
        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, options.FileName);

        // Same folder, so the rename is atomic; a leading dot and no .prom ending keep node_exporter from reading it.
        var temp = Path.Combine(dir, $".{options.FileName}.{Environment.ProcessId}.tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new StreamWriter(stream);
                await using (writer.ConfigureAwait(false))
                {
                    await writer.WriteAsync(content.AsMemory(), ct).ConfigureAwait(false);
                    await writer.FlushAsync(ct).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }
            }

            if (!OperatingSystem.IsWindows())
            {
                // node_exporter usually runs as another user; a restrictive umask must not hide the file from it.
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temp, target, overwrite: true);
            return target;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
