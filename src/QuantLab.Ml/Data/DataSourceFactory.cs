using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Data;

/// <summary>Turns a --data value (folder path, file:// URI, s3:// URI) into a data source.</summary>
public static class DataSourceFactory
{
    /// <param name="uri">A folder, file:///path or s3://bucket/prefix.</param>
    /// <param name="openS3">Opens an S3 location (the composition root knows the client and the cache); null = S3 is not available here.</param>
    public static ICompactDataSource Open(string uri, Func<S3Root, ICompactDataSource>? openS3 = null)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new UsageException("--data is empty: give a folder path or file:///path");
        }

        var value = uri.Trim();
        if (S3Root.IsS3Uri(value))
        {
            var location = S3Root.Parse(value, "--data");
            return openS3 is null
                ? throw new UsageException($"cannot open {location} here: no S3 client was configured")
                : openS3(location);
        }

        if (value.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var fileUri) || !fileUri.IsFile || fileUri.IsUnc)
            {
                throw new UsageException($"invalid file URI '{SymbolName.Printable(value)}': expected file:///absolute/path");
            }

            return new FolderDataSource(fileUri.LocalPath);
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            throw new UsageException($"unsupported data source '{SymbolName.Printable(value)}': expected a folder path, file:///path or s3://bucket/prefix");
        }

        return new FolderDataSource(value);
    }
}
