using QuantLab.Ml.Common;

namespace QuantLab.Ml.Data;

/// <summary>Turns a --data value (folder path, file:// URI, s3:// URI) into a data source.</summary>
public static class DataSourceFactory
{
    public static ICompactDataSource Open(string uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new UsageException("--data is empty: give a folder path or file:///path");
        }

        var value = uri.Trim();
        if (value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"S3 data sources come with the S3 issue: use a local folder for now (got '{SymbolName.Printable(value)}')");
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
